// channel_create, channel_write, channel_read.
#include <vector>

#include "kernel/abi/abi.h"
#include "kernel/object/channel.h"
#include "kernel/wasi/guest_memory.h"

namespace shoal::kernel::abi {

// channel_create(out_ptr) -> 0; the two endpoint handles are stored as two
// u32 at out_ptr.
Result<int32_t> ChannelCreate(AbiCall& c) {
  uint32_t out = c.U32(0);
  TRY(c.Bytes(out, 8));
  auto [a, b] = TRY(Channel::Create());
  HandleTable& table = c.process.handles();
  HandleValue ha = TRY(table.Add(a, DefaultRights(ObjectType::kChannel)));
  Result<HandleValue> hb = table.Add(b, DefaultRights(ObjectType::kChannel));
  if (!hb.ok()) {
    (void)table.Close(ha);
    return hb.error();
  }
  TRY(c.Store32(out, ha));
  TRY(c.Store32(out + 4, *hb));
  return 0;
}

// channel_write(ch, bytes_ptr, nbytes, handles_ptr, nhandles) -> 0. Needs
// kWrite on ch and kTransfer on each handle; the handles leave the caller's
// table only if the write succeeds. kShouldWait when the peer's queue is full.
Result<int32_t> ChannelWrite(AbiCall& c) {
  Ref<ChannelOps> channel = TRY(c.process.handles().Get<ChannelOps>(c.U32(0), Rights::kWrite));
  uint32_t bytes_ptr = c.U32(1), nbytes = c.U32(2), handles_ptr = c.U32(3), nhandles = c.U32(4);
  if (nbytes > ChannelOps::kMaxMessageBytes || nhandles > ChannelOps::kMaxMessageHandles) {
    return MakeError(Status::kInvalidArgs, "message too large");
  }
  std::span<uint8_t> bytes = TRY(c.Bytes(bytes_ptr, nbytes));
  std::span<uint8_t> raw_handles = TRY(c.Bytes(handles_ptr, uint64_t(nhandles) * 4));
  std::vector<HandleValue> values(nhandles);
  for (uint32_t i = 0; i < nhandles; ++i) values[i] = wasi::GetLe32(raw_handles.data() + 4 * i);
  TRY(WriteFromTable(c.process.handles(), *channel, bytes, values));
  return 0;
}

// channel_read(ch, flags, bytes_ptr, bytes_cap, handles_ptr, handles_cap,
// actual_ptr) -> number of bytes read. The message's byte and handle counts
// are stored as two u32 at actual_ptr. With SHOAL_WAIT an empty channel parks
// the caller until a message or peer-closed; without, kShouldWait. Needs
// kRead. A message over the caps stays queued (kOutOfBounds).
Result<int32_t> ChannelRead(AbiCall& c) {
  Ref<ChannelOps> channel = TRY(c.process.handles().Get<ChannelOps>(c.U32(0), Rights::kRead));
  uint32_t flags = c.U32(1), bytes_ptr = c.U32(2), bytes_cap = c.U32(3);
  uint32_t handles_ptr = c.U32(4), handles_cap = c.U32(5), actual_ptr = c.U32(6);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  // Every guest range is checked before the message is dequeued, so a bad
  // pointer never loses a message.
  std::span<uint8_t> bytes = TRY(c.Bytes(bytes_ptr, bytes_cap));
  uint32_t max_handles = std::min<uint32_t>(handles_cap, ChannelOps::kMaxMessageHandles);
  std::span<uint8_t> handle_out = TRY(c.Bytes(handles_ptr, uint64_t(max_handles) * 4));
  TRY(c.Bytes(actual_ptr, 8));
  Result<ReceivedMessage> message =
      ReadIntoTable(c.process.handles(), *channel, ReadLimits{bytes_cap, max_handles});
  if (!message.ok()) {
    if (message.error().status == Status::kShouldWait && (flags & kWaitFlag) != 0) {
      return c.Park({channel, Signals::kReadable | Signals::kPeerClosed, 0});
    }
    return message.error();
  }
  std::copy(message->bytes.begin(), message->bytes.end(), bytes.begin());
  for (size_t i = 0; i < message->handles.size(); ++i) {
    wasi::PutLe32(handle_out.data() + 4 * i, message->handles[i]);
  }
  TRY(c.Store32(actual_ptr, uint32_t(message->bytes.size())));
  TRY(c.Store32(actual_ptr + 4, uint32_t(message->handles.size())));
  return int32_t(message->bytes.size());
}

}  // namespace shoal::kernel::abi
