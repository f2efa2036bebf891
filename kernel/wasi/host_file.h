// HostFile: a regular host file (or other non-directory) as a FileObject.
#pragma once

#include <memory>

#include "kernel/object/file.h"
#include "kernel/wasi/async_file_io.h"
#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

// Wraps an owned host descriptor opened through a HostDirectory, so it can
// only name a file beneath some preopened directory.
//
// With a FileIo (a process under the kernel), reads of a regular file are a
// kernel File's asynchronous reads on the io_uring reactor: Read and Pread
// start one and return kAgain with io_wait() set, so the process parks; the
// retried call with the same offset and size returns the bytes. Without one
// (the standalone runner, tests) and for everything else, calls are
// synchronous host calls, except that other files (FIFOs, devices) are made
// non-blocking and a read that would wait parks on poll_fd() instead.
class HostFile : public FileObject {
 public:
  static std::shared_ptr<HostFile> Adopt(UniqueFd fd, Filetype type, kernel::FileIo* io = nullptr);

  Filetype type() const override { return type_; }
  Rights max_rights() const override { return kFileRights; }
  ErrnoOr<size_t> Read(std::span<uint8_t> buf) override;
  ErrnoOr<size_t> Write(std::span<const uint8_t> buf) override;
  ErrnoOr<size_t> Pread(std::span<uint8_t> buf, uint64_t offset) override;
  ErrnoOr<size_t> Pwrite(std::span<const uint8_t> buf, uint64_t offset) override;
  ErrnoOr<uint64_t> Seek(int64_t offset, Whence whence) override;
  ErrnoOr<FileStat> Stat() override { return StatFd(fd()); }
  Errno SetSize(uint64_t size) override;
  Errno Sync() override;
  Errno SetFlags(uint16_t fdflags) override;
  uint16_t flags() const override;
  Errno Allocate(uint64_t offset, uint64_t len) override;
  Errno SetTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) override {
    return SetFdTimes(fd(), atim_ns, mtim_ns, fstflags);
  }
  std::shared_ptr<IoWait> io_wait() const override { return reads_.wait(); }
  kernel::Ref<kernel::FileOps> kernel_file() const override { return file_; }
  int poll_fd() const override { return stream_ ? fd() : -1; }

 private:
  HostFile(UniqueFd fd, Filetype type) : fd_(std::move(fd)), type_(type) {}
  int fd() const { return file_ ? file_->host_fd() : fd_.get(); }

  UniqueFd fd_;                     // Without a FileIo.
  kernel::Ref<kernel::File> file_;  // With one: owns the descriptor.
  Filetype type_;
  AsyncFileIo reads_;    // With file_.
  bool stream_ = false;  // A non-blocking FIFO or device, polled for reads.
};

}  // namespace shoal::wasi
