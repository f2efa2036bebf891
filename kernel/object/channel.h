// Channel: a bidirectional message pipe between two endpoints.
//
// A message is bytes plus handle entries; a write moves it, whole, onto the
// peer's queue. Each endpoint is a KernelObject with the signals
//   kReadable    its queue holds a message;
//   kWritable    its peer is open and the peer's queue has room;
//   kPeerClosed  the peer endpoint is gone (destroyed).
// An endpoint is destroyed when its last reference goes: handles, messages in
// flight and the servers exporting it to other nodes (kernel/remote). Like Zircon, a cycle (an
// endpoint sent into a queue it can reach) keeps both ends alive; writing an endpoint into itself
// is refused, which breaks the shortest cycle.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/handle_table.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

struct Message {
  std::vector<uint8_t> bytes;
  std::vector<HandleEntry> handles;
};

// What a reader can accept; a bigger message stays queued (kOutOfBounds).
struct ReadLimits {
  size_t max_bytes = SIZE_MAX;
  size_t max_handles = SIZE_MAX;
};

// The operations of a channel endpoint, local or proxied. Rights: Write needs
// kWrite and Read needs kRead on the endpoint's handle; the handle table
// checks them (see WriteFromTable / ReadIntoTable).
class ChannelOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kChannel;
  static constexpr size_t kMaxMessageBytes = 64 * 1024;
  static constexpr size_t kMaxMessageHandles = 64;
  static constexpr size_t kMaxQueuedMessages = 256;  // Per direction.

  // Queues a message for the peer, all or nothing. Errors, first wins:
  // kInvalidArgs (too many bytes or handles; this endpoint among the
  // handles), kPeerClosed, kShouldWait (the peer's queue is full; wait for
  // kWritable). On error nothing was queued.
  virtual VoidResult Write(std::span<const uint8_t> bytes, std::vector<HandleEntry> handles) = 0;

  // Dequeues the oldest message. kShouldWait when empty and the peer is open,
  // kPeerClosed when empty and the peer is gone (queued messages are still
  // delivered first), kOutOfBounds when the message exceeds `limits` (it stays
  // queued).
  virtual Result<Message> Read(ReadLimits limits) = 0;

 protected:
  using KernelObject::KernelObject;
};

// An endpoint as data: the messages queued for it, oldest first, when none
// carries handles. What moving a channel by value takes (docs/migration.md).
struct ChannelValue {
  std::vector<std::vector<uint8_t>> inbox;
};

// The local endpoint.
class Channel final : public ChannelOps {
 public:
  static Result<std::pair<Ref<Channel>, Ref<Channel>>> Create();
  ~Channel() override;

  VoidResult Write(std::span<const uint8_t> bytes, std::vector<HandleEntry> handles) override;
  Result<Message> Read(ReadLimits limits) override;

  // Its queued messages, read at one moment, and its peer (null when the
  // peer is gone, which stays so); nullopt when a queued message carries
  // handles, which a value cannot.
  std::optional<ChannelValue> Value(const KernelObject** peer) const;

 private:
  // State of both ends under one lock, so a write changes the peer's queue
  // and both ends' signals atomically.
  struct Shared {
    Mutex mu;
    Channel* ends[2] GUARDED_BY(mu) = {nullptr, nullptr};  // Cleared by ~Channel.
    std::deque<Message> inbox[2] GUARDED_BY(mu);           // inbox[i]: read by ends[i].
  };
  Channel(Ref<Shared> shared, int side);

  const Ref<Shared> shared_;
  const int side_;
};

// Host-call helpers: the handle-table side of a channel write and read.

// Writes `bytes` and the handles `values` from `table` to `channel`. The
// handles need kTransfer and are removed from `table` only if the write
// succeeds; on any error the table is unchanged.
VoidResult WriteFromTable(HandleTable& table, ChannelOps& channel, std::span<const uint8_t> bytes,
                          std::span<const HandleValue> values);

struct ReceivedMessage {
  std::vector<uint8_t> bytes;
  std::vector<HandleValue> handles;  // Installed in the reader's table.
};

// Reads one message from `channel` and installs its handles in `table`. Room
// for `limits.max_handles` (capped at kMaxMessageHandles) is reserved before
// the read, so a message is never dequeued and then lost for lack of slots:
// without room the read fails with kNoMemory and the message stays queued.
Result<ReceivedMessage> ReadIntoTable(HandleTable& table, ChannelOps& channel, ReadLimits limits);

}  // namespace shoal::kernel
