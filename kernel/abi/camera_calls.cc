// camera_info, camera_configure, camera_start, camera_stop, camera_read
// (rdev/camera.h, docs/devices.md).
//
// Like the device calls, every camera operation may complete later (a camera
// on another node), so each runs through the process's PendingCall
// (AbiCall::RunPending); kShouldWait from camera_read is an answer, after
// which SHOAL_WAIT parks the caller on the session's signals.
#include <algorithm>
#include <string>

#include "kernel/abi/abi.h"
#include "kernel/base/little_endian.h"
#include "rdev/camera.h"

namespace shoal::kernel::abi {
namespace {

using rdev::CameraFrame;
using rdev::CameraMode;
using rdev::CameraOps;

// The bytes camera_read stores at meta_ptr (shoal_camera_meta_t):
// u64 sequence, u64 capture_ns, u32 dropped, u32 format, u32 width,
// u32 height, little-endian.
constexpr uint32_t kMetaBytes = 32;

// The most a description may take, as for device_describe.
constexpr size_t kMaxInfoBytes = 64 * 1024;

// The guest's view of CameraInfo, one "key=value\n" per line in this order;
// modes are FormatMode texts joined by ';'.
std::string InfoText(const rdev::CameraInfo& info) {
  std::string modes;
  for (const CameraMode& mode : info.modes) {
    if (!modes.empty()) modes += ';';
    modes += rdev::FormatMode(mode);
  }
  return "name=" + info.name + "\ndriver=" + info.driver + "\nmode=" + rdev::FormatMode(info.mode) +
         "\nframe_bytes=" + std::to_string(rdev::MaxFrameBytes(info.mode)) +
         "\nstreaming=" + (info.streaming ? "1" : "0") +
         "\nsessions=" + std::to_string(info.sessions) +
         "\nframes=" + std::to_string(info.frames_captured) + "\nmodes=" + modes + "\n";
}

void StoreMeta(std::span<uint8_t> meta, const CameraFrame& frame) {
  StoreLittleEndian(&meta[0], frame.sequence, 8);
  StoreLittleEndian(&meta[8], frame.capture_ns, 8);
  StoreLittleEndian(&meta[16], frame.dropped, 4);
  StoreLittleEndian(&meta[20], uint32_t(frame.mode.format), 4);
  StoreLittleEndian(&meta[24], frame.mode.width, 4);
  StoreLittleEndian(&meta[28], frame.mode.height, 4);
}

// One key type per call (kernel/base/pending_call.h), naming the session and
// every argument that decides the outcome. As in device_calls.cc, a call
// never returns to the guest with its operation in flight, so the caller's
// handle keeps the session alive while a key names it.
using InfoKey = PendingKey<struct InfoTag, const CameraOps*>;
using ConfigureKey = PendingKey<struct ConfigureTag, const CameraOps*, uint32_t, uint32_t, uint32_t,
                                uint32_t, uint32_t>;
using StartKey = PendingKey<struct StartTag, const CameraOps*>;
using StopKey = PendingKey<struct StopTag, const CameraOps*>;
using ReadKey = PendingKey<struct ReadTag, const CameraOps*, uint32_t>;

// camera_start and camera_stop: `op` on the session, which needs kRead.
template <typename Key>
Result<int32_t> RunStreamCall(AbiCall& c, void (CameraOps::*op)(CameraOps::Done)) {
  Ref<CameraOps> camera = TRY(c.process.handles().Get<CameraOps>(c.U32(0), Rights::kRead));
  std::optional<VoidResult> done = c.RunPending<VoidResult>(
      Key(camera.get()), [&](auto done) { ((*camera).*op)(std::move(done)); });
  if (!done) return 0;  // Parked until the camera answers.
  TRY(std::move(*done));
  return 0;
}

}  // namespace

// camera_info(cam, buf, cap) -> the text's full length; its first
// min(cap, length) bytes at buf. Needs no right.
Result<int32_t> CameraGetInfo(AbiCall& c) {
  Ref<CameraOps> camera = TRY(c.process.handles().Get<CameraOps>(c.U32(0), Rights::kNone));
  uint32_t buf_ptr = c.U32(1), cap = c.U32(2);
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, cap));
  std::optional<Result<rdev::CameraInfo>> info = c.RunPending<Result<rdev::CameraInfo>>(
      InfoKey(camera.get()), [&](auto done) { camera->InfoAsync(std::move(done)); });
  if (!info) return 0;  // Parked until the camera answers.
  std::string text = InfoText(TRY(std::move(*info)));
  if (text.size() > kMaxInfoBytes) {
    return MakeError(Status::kOutOfBounds, "camera description over 64 KiB");
  }
  std::copy_n(text.begin(), std::min<size_t>(cap, text.size()), buf.begin());
  return int32_t(text.size());
}

// camera_configure(cam, format, width, height, rate_num, rate_den) -> 0.
// Needs kManage. -4 for a format outside SHOAL_PIXEL_* or a mode the camera
// lacks; -20 while a session streams in another mode.
Result<int32_t> CameraConfigure(AbiCall& c) {
  Ref<CameraOps> camera = TRY(c.process.handles().Get<CameraOps>(c.U32(0), Rights::kManage));
  uint32_t format = c.U32(1);
  if (format == 0 || format > rdev::kMaxPixelFormat) {
    return MakeError(Status::kInvalidArgs, "unknown pixel format " + std::to_string(format));
  }
  CameraMode mode{rdev::PixelFormat(format), c.U32(2), c.U32(3), {c.U32(4), c.U32(5)}};
  std::optional<VoidResult> done =
      c.RunPending<VoidResult>(ConfigureKey(camera.get(), format, mode.width, mode.height,
                                            mode.rate.numerator, mode.rate.denominator),
                               [&](auto done) { camera->ConfigureAsync(mode, std::move(done)); });
  if (!done) return 0;  // Parked until the camera answers.
  TRY(std::move(*done));
  return 0;
}

// camera_start(cam) -> 0: this session's stream starts (again: no-op).
// Needs kRead.
Result<int32_t> CameraStart(AbiCall& c) {
  return RunStreamCall<StartKey>(c, &CameraOps::StartAsync);
}

// camera_stop(cam) -> 0: this session's stream stops and its queue is
// dropped. Needs kRead.
Result<int32_t> CameraStop(AbiCall& c) { return RunStreamCall<StopKey>(c, &CameraOps::StopAsync); }

// camera_read(cam, flags, buf, cap, meta_ptr) -> the frame's length, its
// bytes at buf and its 32-byte meta at meta_ptr. Needs kRead. Both ranges
// are checked before a frame is taken, so a bad pointer loses none. -20
// before camera_start; -5 when the frame is larger than cap (it stays
// queued); nothing queued: -8, or park with SHOAL_WAIT; -7 camera gone.
Result<int32_t> CameraRead(AbiCall& c) {
  Ref<CameraOps> camera = TRY(c.process.handles().Get<CameraOps>(c.U32(0), Rights::kRead));
  uint32_t flags = c.U32(1), buf_ptr = c.U32(2), meta_ptr = c.U32(4);
  // The length is returned as a positive i32.
  uint32_t cap = std::min<uint32_t>(c.U32(3), INT32_MAX);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, cap));
  std::span<uint8_t> meta = TRY(c.Bytes(meta_ptr, kMetaBytes));
  std::optional<Result<CameraFrame>> frame = c.RunPending<Result<CameraFrame>>(
      ReadKey(camera.get(), cap), [&](auto done) { camera->ReadFrameAsync(cap, std::move(done)); });
  if (!frame) return 0;  // Parked until the camera answers.
  if (!frame->ok()) return c.WaitOrFail(frame->error(), flags, camera, Signals::kReadable);
  const std::vector<uint8_t>& bytes = *(*frame)->bytes;
  if (bytes.size() > cap) return MakeError(Status::kInternal, "camera read overran");
  std::copy(bytes.begin(), bytes.end(), buf.begin());
  StoreMeta(meta, **frame);
  return int32_t(bytes.size());
}

}  // namespace shoal::kernel::abi
