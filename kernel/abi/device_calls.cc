// device_read, device_write, device_describe, device_control.
//
// Every device operation may complete later (a device on another node), so
// each runs through the process's PendingCall (AbiCall::RunPending): a local
// device answers at once; otherwise the process parks and the retried call
// collects the answer. kShouldWait is an answer like any other: with
// SHOAL_WAIT the process then parks on the device's signals.
#include <algorithm>
#include <string>

#include "kernel/abi/abi.h"
#include "kernel/object/device.h"

namespace shoal::kernel::abi {
namespace {

// The guest's view of DeviceInfo: "class=C\nname=N\n" then "key=value\n" per
// property.
std::string DescriptionText(const DeviceInfo& info) {
  std::string text = "class=" + info.device_class + "\nname=" + info.name + "\n";
  for (const auto& [key, value] : info.properties) text += key + "=" + value + "\n";
  return text;
}

// One key type per call (kernel/base/pending_call.h): the device and every
// argument that decides the outcome. Guest memory does not change while the
// process is parked, so a write or control is named by where its bytes are.
// A shoal call never returns to the guest with its operation in flight (it
// parks), so the caller's handle keeps the device alive as long as a key
// names it, and its address identifies it.
using ReadKey = PendingKey<struct ReadTag, const DeviceOps*, uint32_t>;
using WriteKey = PendingKey<struct WriteTag, const DeviceOps*, uint32_t, uint32_t>;
using DescribeKey = PendingKey<struct DescribeTag, const DeviceOps*>;
using ControlKey = PendingKey<struct ControlTag, const DeviceOps*, uint32_t, uint32_t>;

}  // namespace

// device_read(dev, flags, buf, cap) -> bytes read (at most 64 KiB; 0 at the
// end of the stream). With SHOAL_WAIT a device with nothing to read parks
// the caller until kReadable or kPeerClosed; without, -8. Needs kRead.
Result<int32_t> DeviceRead(AbiCall& c) {
  Ref<DeviceOps> device = TRY(c.process.handles().Get<DeviceOps>(c.U32(0), Rights::kRead));
  uint32_t flags = c.U32(1), buf_ptr = c.U32(2);
  uint32_t cap = std::min<uint32_t>(c.U32(3), DeviceOps::kMaxTransfer);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, cap));
  std::optional<Result<std::vector<uint8_t>>> bytes = c.RunPending<Result<std::vector<uint8_t>>>(
      ReadKey(device.get(), cap), [&](auto done) { device->ReadAsync(cap, std::move(done)); });
  if (!bytes) return 0;  // Parked until the device answers.
  if (!bytes->ok()) return c.WaitOrFail(bytes->error(), flags, device, Signals::kReadable);
  if ((*bytes)->size() > cap) return MakeError(Status::kInternal, "device read overran");
  std::copy((*bytes)->begin(), (*bytes)->end(), buf.begin());
  return int32_t((*bytes)->size());
}

// device_write(dev, flags, buf, len) -> bytes consumed (a prefix; len at
// most 64 KiB, else -4). With SHOAL_WAIT a device that takes nothing now
// parks the caller until kWritable or kPeerClosed. Needs kWrite.
Result<int32_t> DeviceWrite(AbiCall& c) {
  Ref<DeviceOps> device = TRY(c.process.handles().Get<DeviceOps>(c.U32(0), Rights::kWrite));
  uint32_t flags = c.U32(1), buf_ptr = c.U32(2), len = c.U32(3);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  if (len > DeviceOps::kMaxTransfer) return MakeError(Status::kInvalidArgs, "write over 64 KiB");
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, len));
  std::optional<Result<size_t>> written =
      c.RunPending<Result<size_t>>(WriteKey(device.get(), buf_ptr, len),
                                   [&](auto done) { device->WriteAsync(buf, std::move(done)); });
  if (!written) return 0;  // Parked until the device answers.
  if (!written->ok()) return c.WaitOrFail(written->error(), flags, device, Signals::kWritable);
  return int32_t(std::min<size_t>(**written, len));
}

// device_describe(dev, buf, cap) -> the description's full length; its first
// min(cap, length) bytes are stored at buf (call again with a bigger buffer
// if the length exceeds cap). Text: "class=C\nname=N\n" and "key=value\n" per
// property. Needs no right.
Result<int32_t> DeviceDescribe(AbiCall& c) {
  Ref<DeviceOps> device = TRY(c.process.handles().Get<DeviceOps>(c.U32(0), Rights::kNone));
  uint32_t buf_ptr = c.U32(1), cap = c.U32(2);
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, cap));
  std::optional<Result<DeviceInfo>> info = c.RunPending<Result<DeviceInfo>>(
      DescribeKey(device.get()), [&](auto done) { device->DescribeAsync(std::move(done)); });
  if (!info) return 0;  // Parked until the device answers.
  std::string text = DescriptionText(TRY(std::move(*info)));
  if (text.size() > DeviceOps::kMaxTransfer) {
    return MakeError(Status::kOutOfBounds, "device description over 64 KiB");
  }
  std::copy_n(text.begin(), std::min<size_t>(cap, text.size()), buf.begin());
  return int32_t(text.size());
}

// device_control(dev, request, request_len, reply, reply_cap) -> the reply's
// length, stored at reply. A reply longer than reply_cap is -5 (and lost:
// controls are not repeatable in general, so size the buffer for the
// device class). Requests over 64 KiB are -4. Needs kManage.
Result<int32_t> DeviceControl(AbiCall& c) {
  Ref<DeviceOps> device = TRY(c.process.handles().Get<DeviceOps>(c.U32(0), Rights::kManage));
  uint32_t request_ptr = c.U32(1), request_len = c.U32(2), reply_ptr = c.U32(3);
  uint32_t reply_cap = c.U32(4);
  if (request_len > DeviceOps::kMaxTransfer) {
    return MakeError(Status::kInvalidArgs, "control request over 64 KiB");
  }
  std::span<uint8_t> request = TRY(c.Bytes(request_ptr, request_len));
  std::span<uint8_t> reply_buf = TRY(c.Bytes(reply_ptr, reply_cap));
  std::optional<Result<std::vector<uint8_t>>> answer = c.RunPending<Result<std::vector<uint8_t>>>(
      ControlKey(device.get(), request_ptr, request_len),
      [&](auto done) { device->ControlAsync(request, std::move(done)); });
  if (!answer) return 0;  // Parked until the device answers.
  std::vector<uint8_t> reply = TRY(std::move(*answer));
  if (reply.size() > reply_cap) {
    return MakeError(Status::kOutOfBounds, "control reply larger than the buffer");
  }
  std::copy(reply.begin(), reply.end(), reply_buf.begin());
  return int32_t(reply.size());
}

}  // namespace shoal::kernel::abi
