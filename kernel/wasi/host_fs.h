// Small helpers shared by the host-backed file objects: an owned host
// descriptor and the translation of host stat data to WASI's.
#pragma once

#include <sys/stat.h>

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

// fstat() as a FileStat.
ErrnoOr<FileStat> StatFd(int fd);

}  // namespace shoal::wasi
