// HostFile: a regular host file (or other non-directory) as a FileObject.
#pragma once

#include <memory>

#include "kernel/object/file.h"
#include "kernel/wasi/async_file_io.h"
#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

// A view of a kernel File opened through a HostDirectory, so it can only
// name a file beneath some preopened directory.
//
// Reads and writes of a regular file, and syncs, stats and truncations of
// any, are the File's asynchronous operations (async_file_io.h): under the
// kernel data IO runs on the io_uring reactor, the call returns kAgain with
// the operation in the process's PendingCall, the process parks, and the
// retried call with the same offset and size returns the outcome; with
// InlineFileIo (tests, the fuzzers) it completes at once, as the
// metadata calls of a local File always do. Everything else is a synchronous
// host call on the File's descriptor, except that with `poll_streams` (under
// the kernel) FIFOs and devices are made non-blocking and a read or write
// that would wait parks on poll_fd() instead (a partial write returns its
// count).
//
// FDFLAGS_NONBLOCK (path_open or fd_fdstat_set_flags) makes a FIFO or
// device answer EAGAIN to the guest instead: poll_fd() is then -1, and
// without `poll_streams` the host descriptor is switched to O_NONBLOCK. On a
// regular file it is recorded and reported but changes nothing.
class HostFile : public FileObject {
 public:
  static std::shared_ptr<HostFile> Adopt(kernel::Ref<kernel::File> file, Filetype type,
                                         bool poll_streams);

  Filetype type() const override { return type_; }
  Rights max_rights() const override { return kFileRights; }
  ErrnoOr<size_t> Read(PendingCall& call, std::span<uint8_t> buf) override;
  ErrnoOr<size_t> Write(PendingCall& call, std::span<const uint8_t> buf) override;
  ErrnoOr<size_t> Pread(PendingCall& call, std::span<uint8_t> buf, uint64_t offset) override;
  ErrnoOr<size_t> Pwrite(PendingCall& call, std::span<const uint8_t> buf, uint64_t offset) override;
  ErrnoOr<uint64_t> Seek(PendingCall& call, int64_t offset, Whence whence) override;
  ErrnoOr<FileStat> Stat(PendingCall& call) override { return StatFile(call, file_); }
  Errno SetSize(PendingCall& call, uint64_t size) override { return ResizeFile(call, file_, size); }
  Errno Sync(PendingCall& call, SyncScope scope) override { return SyncFile(call, file_, scope); }
  Errno SetFlags(uint16_t fdflags) override;
  uint16_t flags() const override;
  std::optional<uint64_t> Position() const override;
  Errno Allocate(uint64_t offset, uint64_t len) override;
  Errno SetTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) override {
    return SetFdTimes(fd(), atim_ns, mtim_ns, fstflags);
  }
  kernel::Ref<kernel::KernelObject> kernel_object() const override { return file_; }
  int poll_fd() const override { return stream_ && !nonblock_ ? fd() : -1; }

 private:
  HostFile(kernel::Ref<kernel::File> file, Filetype type)
      : fd_(file->host_fd()), type_(type), file_(std::move(file)) {}
  int fd() const { return fd_; }

  int fd_;  // file_'s host descriptor.
  Filetype type_;
  // Owns the descriptor. A FileOps Ref, the form async_file_io.h keys on.
  kernel::Ref<kernel::FileOps> file_;
  bool stream_ = false;    // A non-blocking FIFO or device, polled for reads and writes.
  bool nonblock_ = false;  // The guest's FDFLAGS_NONBLOCK.
};

}  // namespace shoal::wasi
