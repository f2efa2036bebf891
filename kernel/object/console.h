// Console: one stream (stdout or stderr) of a ConsoleLog (console_log.h),
// as a kernel object: what descriptors 1 and 2 view and what a handle to a
// process's output names. It writes as its stream and reads the whole log,
// both streams in write order, each chunk tagged with its stream.
//
// Signals: kReadable is an edge, pulsed on each write to the log and never
// left set (it cannot be a level: readers are at different offsets).
// kPeerClosed is set once the log ended (its last writer closed: the
// process and the children sharing its log exited). A follower reads until
// kShouldWait, registers ObserveAsync(kReadable | kPeerClosed), then reads
// once more before parking, so a write in between is not missed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "kernel/base/await.h"
#include "kernel/base/result.h"
#include "kernel/object/console_log.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

// The operations of a console, local or proxied. Rights: Write needs kWrite,
// Read kRead, Close kManage.
class ConsoleOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kConsole;
  // Appends `bytes` as this console's stream; returns the log's end offset
  // after them. kPeerClosed once the log ended.
  virtual Result<uint64_t> Write(std::span<const uint8_t> bytes) = 0;

  using ReadDone = std::function<void(Result<ConsoleChunk> chunk)>;

  // Up to `max_bytes` of the log from `offset`, of one stream
  // (ConsoleLog::Read). kShouldWait at the end of an open log, kPeerClosed
  // at the end of an ended one, kOutOfBounds past the end.
  // Asynchronous (object.h): a follower on another node waits for the wire.
  virtual void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) = 0;
  // The blocking form (object.h): never on a scheduler worker.
  Result<ConsoleChunk> Read(uint64_t offset, size_t max_bytes) {
    return Await<Result<ConsoleChunk>>(
        [&](ReadDone done) { ReadAsync(offset, max_bytes, std::move(done)); });
  }

  // This writer is done: once every writer of the log closed, later writes
  // fail and readers drain and then get kPeerClosed. Closing twice is fine.
  virtual VoidResult Close() = 0;

 protected:
  using KernelObject::KernelObject;
};

// The local console.
class Console final : public ConsoleOps {
 public:
  // A writer of `log` as `stream`.
  static Result<Ref<Console>> Create(std::shared_ptr<ConsoleLog> log, ConsoleStream stream);
  // A console with a log of its own, writing as stdout.
  static Result<Ref<Console>> Create(size_t retention = ConsoleLog::kDefaultRetention);
  ~Console() override;

  const std::shared_ptr<ConsoleLog>& log() const { return log_; }
  ConsoleStream stream() const { return stream_; }

  Result<uint64_t> Write(std::span<const uint8_t> bytes) override {
    return log_->Append(stream_, bytes);
  }
  // Answers at once, on the calling thread.
  void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) override {
    done(log_->Read(offset, max_bytes));
  }
  VoidResult Close() override;

 private:
  friend class ConsoleLog;
  Console(std::shared_ptr<ConsoleLog> log, ConsoleStream stream)
      : ConsoleOps(ObjectType::kConsole), log_(std::move(log)), stream_(stream) {}
  // The log's signals to its writers (called under the log's lock).
  void PulseReadable(Notifications& fired) { PulseSignals(Signals::kReadable, fired); }
  void MarkEnded(Notifications& fired) {
    UpdateSignals(Signals::kNone, Signals::kPeerClosed, fired);
  }

  const std::shared_ptr<ConsoleLog> log_;
  const ConsoleStream stream_;
};

}  // namespace shoal::kernel
