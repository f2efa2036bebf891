// ConsoleBuffer: one process's console output (stdout and stderr in write
// order), kept in memory up to a byte bound so it can be read, and
// followed, while the process runs and after it ends.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>

#include "clusterd/process_host.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::clusterd {

class ConsoleBuffer {
 public:
  // Keeps at least the newest `retain_bytes` bytes (whole writes are
  // dropped from the front once the total exceeds it).
  explicit ConsoleBuffer(size_t retain_bytes) : retain_bytes_(retain_bytes) {}

  void Append(ConsoleStream stream, std::span<const uint8_t> bytes);
  // Before the first Append: the output starts at `offset` (a restored
  // process's, whose earlier output was written elsewhere).
  void StartAt(uint64_t offset);
  // No more output will come; wakes readers.
  void Close();

  // See ProcessHost::ReadConsole.
  ConsoleRead Read(uint64_t offset, size_t max_bytes, Deadline deadline);

  // An OutputSink writing into this buffer as `stream`; it keeps the buffer alive.
  static std::shared_ptr<wasi::OutputSink> SinkFor(std::shared_ptr<ConsoleBuffer> buffer,
                                                   ConsoleStream stream);

 private:
  ConsoleRead ReadLocked(uint64_t offset, size_t max_bytes) REQUIRES(mu_);

  const size_t retain_bytes_;
  Mutex mu_;
  CondVar changed_;
  std::deque<ConsoleChunk> chunks_ GUARDED_BY(mu_);
  size_t kept_bytes_ GUARDED_BY(mu_) = 0;
  uint64_t end_offset_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace shoal::clusterd
