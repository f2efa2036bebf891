#include "clusterd/daemon/console_buffer.h"

#include <algorithm>

namespace shoal::clusterd {
namespace {

class BufferSink : public wasi::OutputSink {
 public:
  BufferSink(std::shared_ptr<ConsoleBuffer> buffer, ConsoleStream stream)
      : buffer_(std::move(buffer)), stream_(stream) {}
  wasi::Errno Write(std::span<const uint8_t> bytes) override {
    buffer_->Append(stream_, bytes);
    return wasi::Errno::kSuccess;
  }

 private:
  std::shared_ptr<ConsoleBuffer> buffer_;
  ConsoleStream stream_;
};

}  // namespace

void ConsoleBuffer::StartAt(uint64_t offset) {
  MutexLock lock(&mu_);
  end_offset_ = offset;
}

void ConsoleBuffer::Append(ConsoleStream stream, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  {
    MutexLock lock(&mu_);
    chunks_.push_back({end_offset_, stream, std::string(bytes.begin(), bytes.end())});
    end_offset_ += bytes.size();
    kept_bytes_ += bytes.size();
    while (kept_bytes_ > retain_bytes_ && chunks_.size() > 1) {
      kept_bytes_ -= chunks_.front().data.size();
      chunks_.pop_front();
    }
  }
  changed_.SignalAll();
}

void ConsoleBuffer::Close() {
  {
    MutexLock lock(&mu_);
    closed_ = true;
  }
  changed_.SignalAll();
}

ConsoleRead ConsoleBuffer::Read(uint64_t offset, size_t max_bytes, Deadline deadline) {
  MutexLock lock(&mu_);
  while (!closed_ && end_offset_ <= offset) {
    if (!changed_.WaitUntil(mu_, deadline)) break;
  }
  return ReadLocked(offset, max_bytes);
}

ConsoleRead ConsoleBuffer::ReadLocked(uint64_t offset, size_t max_bytes) {
  ConsoleRead read;
  uint64_t at = offset;
  size_t taken = 0;
  for (const ConsoleChunk& chunk : chunks_) {
    uint64_t chunk_end = chunk.offset + chunk.data.size();
    if (chunk_end <= at) continue;
    if (taken >= max_bytes) break;
    uint64_t from = std::max(at, chunk.offset);  // Past `offset` when older output was dropped.
    size_t skip = from - chunk.offset;
    size_t n = std::min(chunk.data.size() - skip, max_bytes - taken);
    read.chunks.push_back({from, chunk.stream, chunk.data.substr(skip, n)});
    taken += n;
    at = from + n;
  }
  read.next_offset = std::max(at, offset);
  read.ended = closed_ && read.next_offset >= end_offset_;
  return read;
}

std::shared_ptr<wasi::OutputSink> ConsoleBuffer::SinkFor(std::shared_ptr<ConsoleBuffer> buffer,
                                                         ConsoleStream stream) {
  return std::make_shared<BufferSink>(std::move(buffer), stream);
}

}  // namespace shoal::clusterd
