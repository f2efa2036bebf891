// ConsoleLog: a process's output, stdout and stderr in write order, kept
// once: the log `shoal logs` reads, that a checkpoint carries and that a
// restored process continues.
//
// Bytes sit at absolute offsets (the first byte ever written is at 0), each
// tagged with the stream that wrote it. The log keeps the last `retention`
// bytes; older ones are dropped and counted, so a reader that falls behind
// learns how much it missed. Readers name the offset they want, so any
// number of them follow independently, and the log stays readable after
// its writers are gone.
//
// Writers are Console objects (console.h), one per stream of each process
// that writes here: a process's stdout and stderr, and those of the
// children that inherit its log. The log ends when its last writer closed.
// Processes and proxies wait on the Console objects' signals; a thread
// outside the scheduler (the daemon's log readers) waits in ReadUntil.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"

namespace shoal::kernel {

class Console;
class Notifications;

enum class ConsoleStream : uint8_t { kStdout = 0, kStderr = 1 };
inline constexpr uint8_t kMaxConsoleStream = uint8_t(ConsoleStream::kStderr);

// Bytes of one stream, as a read returns them.
struct ConsoleChunk {
  uint64_t offset = 0;   // Where `bytes` start; later than asked if bytes were dropped.
  uint64_t dropped = 0;  // Bytes dropped since the log was made (all before offset).
  ConsoleStream stream = ConsoleStream::kStdout;  // Every byte of `bytes` is of it.
  std::vector<uint8_t> bytes;
};

// Where one stream's stretch of the log begins.
struct ConsoleRun {
  uint64_t offset = 0;
  ConsoleStream stream = ConsoleStream::kStdout;
  bool operator==(const ConsoleRun&) const = default;
};

// What a log retains: the tail a process image carries.
struct ConsoleTail {
  uint64_t start = 0;  // Offset of bytes[0]; every byte before it was dropped.
  std::vector<uint8_t> bytes;
  // Ascending offsets, each a change of stream, the first at `start` when
  // there are bytes, all within [start, start + bytes.size()).
  std::vector<ConsoleRun> runs;
};

// Ok, or kInvalidArgs saying which of ConsoleTail's rules `tail` breaks.
VoidResult CheckConsoleTail(const ConsoleTail& tail);

class ConsoleLog {
 public:
  static constexpr size_t kDefaultRetention = 64 * 1024;

  // kInvalidArgs for a retention of 0.
  static Result<std::shared_ptr<ConsoleLog>> Create(size_t retention = kDefaultRetention);
  // A log that continues another one (a restored process's): the next write
  // lands at tail.start + tail.bytes.size(). Only the last `retention`
  // bytes of the tail are kept. CheckConsoleTail's errors.
  static Result<std::shared_ptr<ConsoleLog>> Resume(const ConsoleTail& tail,
                                                    size_t retention = kDefaultRetention);

  ConsoleTail Retained() const;

  // Appends `bytes` as `stream`; returns the end offset after them.
  // kPeerClosed once the log ended.
  Result<uint64_t> Append(ConsoleStream stream, std::span<const uint8_t> bytes);

  // Up to `max_bytes` of one stream from `offset` (or from the oldest
  // retained byte, if `offset` was dropped); a read stops where the stream
  // changes. kShouldWait at the end of an open log, kPeerClosed at the end
  // of an ended one, kOutOfBounds past the end.
  Result<ConsoleChunk> Read(uint64_t offset, size_t max_bytes) const;
  // Read, waiting while it would answer kShouldWait until `deadline`
  // (then kShouldWait). Blocks the calling thread: never a scheduler worker.
  Result<ConsoleChunk> ReadUntil(uint64_t offset, size_t max_bytes,
                                 std::chrono::steady_clock::time_point deadline);

  ConsoleLog(const ConsoleLog&) = delete;
  ConsoleLog& operator=(const ConsoleLog&) = delete;

 private:
  friend class Console;
  explicit ConsoleLog(size_t retention) : retention_(retention) {}

  // A Console writing here; it sees kPeerClosed at once if the log ended.
  void AddWriter(Console* console, Notifications& fired);
  // Its Close: the log ends with the last writer's. Closing twice is fine.
  void CloseWriter(Console* console, Notifications& fired);
  // Its destruction (closes it first if it was open).
  void RemoveWriter(Console* console);

  Result<ConsoleChunk> ReadLocked(uint64_t offset, size_t max_bytes) const REQUIRES(mu_);
  void EndLocked(Notifications& fired) REQUIRES(mu_);

  struct Writer {
    Console* console;
    bool open;
  };

  const size_t retention_;
  mutable Mutex mu_;
  CondVar changed_;                              // Appended or ended (ReadUntil).
  std::deque<uint8_t> bytes_ GUARDED_BY(mu_);    // The retained tail.
  std::deque<ConsoleRun> runs_ GUARDED_BY(mu_);  // Over bytes_; runs_[0] may start before it.
  uint64_t start_ GUARDED_BY(mu_) = 0;           // Offset of bytes_.front(); = bytes dropped.
  std::vector<Writer> writers_ GUARDED_BY(mu_);
  bool ended_ GUARDED_BY(mu_) = false;
};

}  // namespace shoal::kernel
