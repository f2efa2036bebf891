// HostFile: a regular host file (or other non-directory) as a FileObject.
#pragma once

#include <memory>

#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

// Wraps an owned host descriptor opened through a HostDirectory, so it can
// only name a file beneath some preopened directory.
class HostFile : public FileObject {
 public:
  static std::shared_ptr<HostFile> Adopt(UniqueFd fd, Filetype type);

  Filetype type() const override { return type_; }
  Rights max_rights() const override { return kFileRights; }
  ErrnoOr<size_t> Read(std::span<uint8_t> buf) override;
  ErrnoOr<size_t> Write(std::span<const uint8_t> buf) override;
  ErrnoOr<size_t> Pread(std::span<uint8_t> buf, uint64_t offset) override;
  ErrnoOr<size_t> Pwrite(std::span<const uint8_t> buf, uint64_t offset) override;
  ErrnoOr<uint64_t> Seek(int64_t offset, Whence whence) override;
  ErrnoOr<FileStat> Stat() override { return StatFd(fd_.get()); }
  Errno SetSize(uint64_t size) override;
  Errno Sync() override;
  Errno SetFlags(uint16_t fdflags) override;
  uint16_t flags() const override;
  Errno Allocate(uint64_t offset, uint64_t len) override;
  Errno SetTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) override {
    return SetFdTimes(fd_.get(), atim_ns, mtim_ns, fstflags);
  }

 private:
  HostFile(UniqueFd fd, Filetype type) : fd_(std::move(fd)), type_(type) {}
  UniqueFd fd_;
  Filetype type_;
};

}  // namespace shoal::wasi
