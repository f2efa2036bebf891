#include "kernel/object/channel.h"

#include <algorithm>
#include <string>

namespace shoal::kernel {

Result<std::pair<Ref<Channel>, Ref<Channel>>> Channel::Create() {
  auto shared = std::make_shared<Shared>();
  Ref<Channel> a(new Channel(shared, 0));
  Ref<Channel> b(new Channel(shared, 1));
  MutexLock lock(&shared->mu);
  shared->ends[0] = a.get();
  shared->ends[1] = b.get();
  return std::make_pair(std::move(a), std::move(b));
}

Channel::Channel(Ref<Shared> shared, int side)
    : ChannelOps(ObjectType::kChannel, Signals::kWritable),
      shared_(std::move(shared)),
      side_(side) {}

Channel::~Channel() {
  std::deque<Message> unread;  // Dropped after the lock: its handles may be anything.
  Notifications fired;
  MutexLock lock(&shared_->mu);
  shared_->ends[side_] = nullptr;
  unread = std::move(shared_->inbox[side_]);
  // The peer cannot finish its own destructor while we hold the lock, so its
  // KernelObject base is alive here.
  if (Channel* peer = shared_->ends[1 - side_]) {
    peer->UpdateSignals(Signals::kWritable, Signals::kPeerClosed, fired);
  }
}

std::optional<ChannelValue> Channel::Value(const KernelObject** peer) const {
  MutexLock lock(&shared_->mu);
  *peer = shared_->ends[1 - side_];
  ChannelValue value;
  for (const Message& message : shared_->inbox[side_]) {
    if (!message.handles.empty()) return std::nullopt;
    value.inbox.push_back(message.bytes);
  }
  return value;
}

VoidResult Channel::Write(std::span<const uint8_t> bytes, std::vector<HandleEntry> handles) {
  if (bytes.size() > kMaxMessageBytes) {
    return MakeError(Status::kInvalidArgs, "message of " + std::to_string(bytes.size()) +
                                               " bytes exceeds the channel limit");
  }
  if (handles.size() > kMaxMessageHandles) {
    return MakeError(Status::kInvalidArgs, "message carries more than " +
                                               std::to_string(kMaxMessageHandles) + " handles");
  }
  for (const HandleEntry& h : handles) {
    if (h.object.get() == this) {
      return MakeError(Status::kInvalidArgs, "a channel endpoint cannot be sent through itself");
    }
  }
  Notifications fired;
  MutexLock lock(&shared_->mu);
  Channel* peer = shared_->ends[1 - side_];
  if (peer == nullptr) return MakeError(Status::kPeerClosed, "channel peer is closed");
  std::deque<Message>& inbox = shared_->inbox[1 - side_];
  if (inbox.size() >= kMaxQueuedMessages) {
    return MakeError(Status::kShouldWait, "channel peer's queue is full");
  }
  inbox.push_back(Message{std::vector<uint8_t>(bytes.begin(), bytes.end()), std::move(handles)});
  if (inbox.size() == 1) peer->UpdateSignals(Signals::kNone, Signals::kReadable, fired);
  if (inbox.size() == kMaxQueuedMessages) {
    UpdateSignals(Signals::kWritable, Signals::kNone, fired);
  }
  return Ok();
}

Result<Message> Channel::Read(ReadLimits limits) {
  Notifications fired;
  MutexLock lock(&shared_->mu);
  std::deque<Message>& inbox = shared_->inbox[side_];
  Channel* peer = shared_->ends[1 - side_];
  if (inbox.empty()) {
    if (peer == nullptr)
      return MakeError(Status::kPeerClosed, "channel is empty and its peer closed");
    return MakeError(Status::kShouldWait, "channel is empty");
  }
  if (inbox.front().bytes.size() > limits.max_bytes ||
      inbox.front().handles.size() > limits.max_handles) {
    return MakeError(Status::kOutOfBounds,
                     "next message (" + std::to_string(inbox.front().bytes.size()) + " bytes, " +
                         std::to_string(inbox.front().handles.size()) +
                         " handles) exceeds the reader's buffers");
  }
  bool was_full = inbox.size() == kMaxQueuedMessages;
  Message message = std::move(inbox.front());
  inbox.pop_front();
  if (inbox.empty()) UpdateSignals(Signals::kReadable, Signals::kNone, fired);
  if (was_full && peer != nullptr) peer->UpdateSignals(Signals::kNone, Signals::kWritable, fired);
  return message;
}

VoidResult WriteFromTable(HandleTable& table, ChannelOps& channel, std::span<const uint8_t> bytes,
                          std::span<const HandleValue> values) {
  if (values.size() > ChannelOps::kMaxMessageHandles) {
    return MakeError(Status::kInvalidArgs, "message carries too many handles");
  }
  return table.TakeAll(values, Rights::kTransfer, [&](std::vector<HandleEntry> entries) {
    return channel.Write(bytes, std::move(entries));
  });
}

Result<ReceivedMessage> ReadIntoTable(HandleTable& table, ChannelOps& channel, ReadLimits limits) {
  limits.max_handles = std::min(limits.max_handles, ChannelOps::kMaxMessageHandles);
  HandleTable::Reservation reservation = TRY(table.Reserve(limits.max_handles));
  Message message = TRY(channel.Read(limits));
  ReceivedMessage received;
  received.bytes = std::move(message.bytes);
  received.handles = table.Install(std::move(reservation), std::move(message.handles));
  return received;
}

}  // namespace shoal::kernel
