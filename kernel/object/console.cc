#include "kernel/object/console.h"

#include <algorithm>
#include <string>

namespace shoal::kernel {

Result<Ref<Console>> Console::Create(size_t retention) {
  if (retention == 0) return MakeError(Status::kInvalidArgs, "console retention is 0");
  return Ref<Console>(new Console(retention));
}

Result<Ref<Console>> Console::Resume(uint64_t start, std::span<const uint8_t> tail,
                                     size_t retention) {
  Ref<Console> console = TRY(Create(retention));
  size_t skip = tail.size() > retention ? tail.size() - retention : 0;
  MutexLock lock(&console->mu_);
  console->start_ = start + skip;
  console->bytes_.assign(tail.begin() + skip, tail.end());
  return console;
}

ConsoleChunk Console::Retained() {
  MutexLock lock(&mu_);
  ConsoleChunk chunk;
  chunk.offset = start_;
  chunk.dropped = start_;
  chunk.bytes.assign(bytes_.begin(), bytes_.end());
  return chunk;
}

Result<uint64_t> Console::Write(std::span<const uint8_t> bytes) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (closed_) return MakeError(Status::kPeerClosed, "console is closed");
  if (bytes.size() >= retention_) {
    // Only the tail of this write survives.
    size_t skip = bytes.size() - retention_;
    start_ += bytes_.size() + skip;
    bytes_.assign(bytes.begin() + skip, bytes.end());
  } else {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    size_t excess = bytes_.size() > retention_ ? bytes_.size() - retention_ : 0;
    bytes_.erase(bytes_.begin(), bytes_.begin() + excess);
    start_ += excess;
  }
  if (!bytes.empty()) PulseSignals(Signals::kReadable, fired);
  return start_ + bytes_.size();
}

Result<ConsoleChunk> Console::ReadNow(uint64_t offset, size_t max_bytes) {
  MutexLock lock(&mu_);
  uint64_t end = start_ + bytes_.size();
  if (offset > end) {
    return MakeError(Status::kOutOfBounds, "offset " + std::to_string(offset) +
                                               " is past the console's end " + std::to_string(end));
  }
  if (offset == end) {
    if (closed_) return MakeError(Status::kPeerClosed, "console is closed and drained");
    return MakeError(Status::kShouldWait, "no console data past this offset yet");
  }
  ConsoleChunk chunk;
  chunk.offset = std::max(offset, start_);
  chunk.dropped = start_;
  size_t from = size_t(chunk.offset - start_);
  size_t n = std::min<size_t>(max_bytes, bytes_.size() - from);
  chunk.bytes.assign(bytes_.begin() + from, bytes_.begin() + from + n);
  return chunk;
}

VoidResult Console::Close() {
  Notifications fired;
  MutexLock lock(&mu_);
  closed_ = true;
  UpdateSignals(Signals::kNone, Signals::kPeerClosed, fired);
  return Ok();
}

}  // namespace shoal::kernel
