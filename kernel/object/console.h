// Console: a process's stdout/stderr stream.
//
// Append-only bytes at absolute offsets (the first byte ever written is at 0).
// The console keeps the last `retention` bytes; older ones are dropped and
// counted, so a reader that falls behind learns how much it missed. Readers
// name the offset they want, so any number of them (`shoal logs -f`) follow
// independently, and logs stay readable after the process exits.
//
// Signals: kReadable is an edge, pulsed on each write and never left set (it
// cannot be a level: readers are at different offsets). kPeerClosed is set
// once the writer has closed the console (the process exited). A follower
// reads until kShouldWait, registers ObserveAsync(kReadable | kPeerClosed),
// then reads once more before parking, so a write in between is not missed.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

struct ConsoleChunk {
  uint64_t offset = 0;   // Where `bytes` start; later than asked if bytes were dropped.
  uint64_t dropped = 0;  // Bytes dropped since the console was made (all before offset).
  std::vector<uint8_t> bytes;
};

// The operations of a console, local or proxied. Rights: Write needs kWrite,
// Read kRead, Close kManage.
class ConsoleOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kConsole;
  static constexpr size_t kDefaultRetention = 64 * 1024;

  // Appends `bytes`; returns the end offset after them. kPeerClosed once the
  // console is closed.
  virtual Result<uint64_t> Write(std::span<const uint8_t> bytes) = 0;

  using ReadDone = std::function<void(Result<ConsoleChunk> chunk)>;

  // Up to `max_bytes` from `offset` (or from the oldest retained byte, if
  // `offset` was dropped). kShouldWait at the end of an open console,
  // kPeerClosed at the end of a closed one, kOutOfBounds past the end.
  // Asynchronous (object.h): a follower on another node waits for the wire.
  virtual void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) = 0;
  // The blocking form (object.h): never on a scheduler worker.
  Result<ConsoleChunk> Read(uint64_t offset, size_t max_bytes) {
    return Await<Result<ConsoleChunk>>(
        [&](ReadDone done) { ReadAsync(offset, max_bytes, std::move(done)); });
  }

  // Marks the end of the stream: later writes fail, readers drain and then
  // get kPeerClosed. Closing twice is fine.
  virtual VoidResult Close() = 0;

 protected:
  using KernelObject::KernelObject;
};

// The local console.
class Console final : public ConsoleOps {
 public:
  static Result<Ref<Console>> Create(size_t retention = kDefaultRetention);
  // A console that continues another one (a restored process's): `tail`
  // starts at absolute offset `start`, the bytes before it count as dropped,
  // and the next write lands at start + tail.size(). Only the last
  // `retention` bytes of `tail` are kept.
  static Result<Ref<Console>> Resume(uint64_t start, std::span<const uint8_t> tail,
                                     size_t retention = kDefaultRetention);

  // The retained bytes and where they start, whether or not it is closed.
  ConsoleChunk Retained();

  Result<uint64_t> Write(std::span<const uint8_t> bytes) override;
  // Answers at once, on the calling thread.
  void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) override {
    done(ReadNow(offset, max_bytes));
  }
  VoidResult Close() override;

 private:
  Result<ConsoleChunk> ReadNow(uint64_t offset, size_t max_bytes);
  explicit Console(size_t retention) : ConsoleOps(ObjectType::kConsole), retention_(retention) {}

  const size_t retention_;
  Mutex mu_;
  std::deque<uint8_t> bytes_ GUARDED_BY(mu_);  // The retained tail.
  uint64_t start_ GUARDED_BY(mu_) = 0;         // Offset of bytes_.front(); = bytes dropped.
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace shoal::kernel
