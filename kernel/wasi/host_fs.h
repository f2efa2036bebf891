// Small helpers shared by the host-backed file objects: an owned host
// descriptor and the translation of host stat data to WASI's.
#pragma once

#include <sys/stat.h>

#include <array>
#include <utility>

#include "kernel/wasi/file_object.h"

namespace shoal::wasi {

// Owns one host file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

Filetype FiletypeFromMode(mode_t mode);
FileStat FileStatFromHost(const struct stat& st);

// The utimensat() times for WASI filestat_set_times arguments; kInval when
// a time is both given and "now".
ErrnoOr<std::array<timespec, 2>> FileTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags);

// futimens() on an fd opened for IO.
Errno SetFdTimes(int fd, uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags);

// fstat() as a FileStat.
ErrnoOr<FileStat> StatFd(int fd);

}  // namespace shoal::wasi
