#include "kernel/object/console_log.h"

#include <algorithm>
#include <string>

#include "kernel/object/console.h"

namespace shoal::kernel {

Result<std::shared_ptr<ConsoleLog>> ConsoleLog::Create(size_t retention) {
  if (retention == 0) return MakeError(Status::kInvalidArgs, "console retention is 0");
  return std::shared_ptr<ConsoleLog>(new ConsoleLog(retention));
}

VoidResult CheckConsoleTail(const ConsoleTail& tail) {
  uint64_t end = tail.start + tail.bytes.size();
  if (end < tail.start) {
    return MakeError(Status::kInvalidArgs, "the console's tail ends past 2^64 bytes");
  }
  if (tail.bytes.empty() != tail.runs.empty() ||
      (!tail.runs.empty() && tail.runs.front().offset != tail.start)) {
    return MakeError(Status::kInvalidArgs, "the console's first run is not where its bytes start");
  }
  for (size_t i = 0; i < tail.runs.size(); ++i) {
    const ConsoleRun& run = tail.runs[i];
    if (uint8_t(run.stream) > kMaxConsoleStream || run.offset >= end ||
        (i > 0 &&
         (run.offset <= tail.runs[i - 1].offset || run.stream == tail.runs[i - 1].stream))) {
      return MakeError(Status::kInvalidArgs, "the console's stream runs are out of order");
    }
  }
  return Ok();
}

Result<std::shared_ptr<ConsoleLog>> ConsoleLog::Resume(const ConsoleTail& tail, size_t retention) {
  TRY(CheckConsoleTail(tail));
  std::shared_ptr<ConsoleLog> log = TRY(Create(retention));
  size_t skip = tail.bytes.size() > retention ? tail.bytes.size() - retention : 0;
  MutexLock lock(&log->mu_);
  log->start_ = tail.start + skip;
  log->bytes_.assign(tail.bytes.begin() + skip, tail.bytes.end());
  log->runs_.assign(tail.runs.begin(), tail.runs.end());
  while (log->runs_.size() > 1 && log->runs_[1].offset <= log->start_) log->runs_.pop_front();
  return log;
}

ConsoleTail ConsoleLog::Retained() const {
  MutexLock lock(&mu_);
  ConsoleTail tail;
  tail.start = start_;
  tail.bytes.assign(bytes_.begin(), bytes_.end());
  tail.runs.assign(runs_.begin(), runs_.end());
  // The first run may have begun before the oldest retained byte.
  if (!tail.runs.empty()) tail.runs.front().offset = start_;
  return tail;
}

Result<uint64_t> ConsoleLog::Append(ConsoleStream stream, std::span<const uint8_t> bytes) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (ended_) return MakeError(Status::kPeerClosed, "console is closed");
  uint64_t end = start_ + bytes_.size();
  if (bytes.empty()) return end;
  if (runs_.empty() || runs_.back().stream != stream) runs_.push_back({end, stream});
  if (bytes.size() >= retention_) {
    // Only the tail of this write survives.
    size_t skip = bytes.size() - retention_;
    start_ = end + skip;
    bytes_.assign(bytes.begin() + skip, bytes.end());
  } else {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    size_t excess = bytes_.size() > retention_ ? bytes_.size() - retention_ : 0;
    bytes_.erase(bytes_.begin(), bytes_.begin() + excess);
    start_ += excess;
  }
  while (runs_.size() > 1 && runs_[1].offset <= start_) runs_.pop_front();
  for (const Writer& writer : writers_) writer.console->PulseReadable(fired);
  changed_.SignalAll();
  return start_ + bytes_.size();
}

Result<ConsoleChunk> ConsoleLog::Read(uint64_t offset, size_t max_bytes) const {
  MutexLock lock(&mu_);
  return ReadLocked(offset, max_bytes);
}

Result<ConsoleChunk> ConsoleLog::ReadUntil(uint64_t offset, size_t max_bytes,
                                           std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(&mu_);
  while (!ended_ && offset == start_ + bytes_.size()) {
    if (!changed_.WaitUntil(mu_, deadline)) break;
  }
  return ReadLocked(offset, max_bytes);
}

Result<ConsoleChunk> ConsoleLog::ReadLocked(uint64_t offset, size_t max_bytes) const {
  uint64_t end = start_ + bytes_.size();
  if (offset > end) {
    return MakeError(Status::kOutOfBounds, "offset " + std::to_string(offset) +
                                               " is past the console's end " + std::to_string(end));
  }
  if (offset == end) {
    if (ended_) return MakeError(Status::kPeerClosed, "console is closed and drained");
    return MakeError(Status::kShouldWait, "no console data past this offset yet");
  }
  ConsoleChunk chunk;
  chunk.offset = std::max(offset, start_);
  chunk.dropped = start_;
  // The run holding chunk.offset, and where the next one starts.
  auto next = std::upper_bound(runs_.begin(), runs_.end(), chunk.offset,
                               [](uint64_t at, const ConsoleRun& run) { return at < run.offset; });
  chunk.stream = std::prev(next)->stream;
  uint64_t run_end = next == runs_.end() ? end : next->offset;
  size_t from = size_t(chunk.offset - start_);
  size_t n = size_t(std::min<uint64_t>(max_bytes, run_end - chunk.offset));
  chunk.bytes.assign(bytes_.begin() + from, bytes_.begin() + from + n);
  return chunk;
}

void ConsoleLog::AddWriter(Console* console, Notifications& fired) {
  MutexLock lock(&mu_);
  writers_.push_back({console, !ended_});
  if (ended_) console->MarkEnded(fired);
}

void ConsoleLog::CloseWriter(Console* console, Notifications& fired) {
  MutexLock lock(&mu_);
  bool any_open = false;
  for (Writer& writer : writers_) {
    if (writer.console == console) writer.open = false;
    any_open |= writer.open;
  }
  if (!any_open && !ended_) EndLocked(fired);
}

void ConsoleLog::RemoveWriter(Console* console) {
  Notifications fired;
  MutexLock lock(&mu_);
  std::erase_if(writers_, [console](const Writer& w) { return w.console == console; });
  bool any_open =
      std::any_of(writers_.begin(), writers_.end(), [](const Writer& w) { return w.open; });
  if (!any_open && !ended_) EndLocked(fired);
}

void ConsoleLog::EndLocked(Notifications& fired) {
  ended_ = true;
  for (const Writer& writer : writers_) writer.console->MarkEnded(fired);
  changed_.SignalAll();
}

}  // namespace shoal::kernel
