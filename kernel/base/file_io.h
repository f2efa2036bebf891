// FileIo: the node's asynchronous file IO, as local File objects use it.
//
// The kernel implements it on its io_uring reactor (kernel/sched/
// reactor_file_io.h), so a file read never blocks the thread that asked for
// it: the completion runs later on the reactor thread. Like TimerService, it
// is an interface in kernel/base, below both the objects that use it and the
// scheduler that implements it.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <span>

#include "kernel/base/sync_scope.h"

namespace shoal {

class FileIo {
 public:
  // `result` is bytes transferred (Read, Write) or 0 (Sync); `error` is 0 or a
  // positive errno.
  using Callback = std::function<void(int32_t result, int error)>;

  virtual ~FileIo() = default;

  // pread/pwrite of `buffer` at `offset` on `fd`, and fsync/fdatasync. The
  // caller keeps `fd` open and `buffer` alive and untouched until `done` has
  // run. Returns 0 when started (then `done` runs exactly once, on any
  // thread), else a positive errno (then `done` never runs).
  virtual int Read(int fd, std::span<uint8_t> buffer, uint64_t offset, Callback done) = 0;
  virtual int Write(int fd, std::span<const uint8_t> buffer, uint64_t offset, Callback done) = 0;
  virtual int Sync(int fd, SyncScope scope, Callback done) = 0;

  // Reads what can be read without waiting for a device (for a host file:
  // what the page cache holds), into `buffer` at `offset`, on the calling
  // thread: the count (0 at the end of the file), or a negative errno;
  // -EAGAIN means the read would have to wait, so start Read instead. Never
  // blocks on IO.
  virtual int64_t ReadNow(int fd, std::span<uint8_t> buffer, uint64_t offset) { return -EAGAIN; }
};

// FileIo done at once, with blocking host calls on the calling thread, for
// runners without a reactor (tests, the fuzzers). The kernel
// never uses it: its workers must not block.
class InlineFileIo final : public FileIo {
 public:
  // One stateless instance serves everyone.
  static InlineFileIo& Shared();

  int Read(int fd, std::span<uint8_t> buffer, uint64_t offset, Callback done) override;
  int Write(int fd, std::span<const uint8_t> buffer, uint64_t offset, Callback done) override;
  int Sync(int fd, SyncScope scope, Callback done) override;
  // A plain pread: this FileIo may block by design.
  int64_t ReadNow(int fd, std::span<uint8_t> buffer, uint64_t offset) override;
};

}  // namespace shoal
