#include "kernel/wasi/host_fs.h"

#include <unistd.h>

namespace shoal::wasi {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Filetype FiletypeFromMode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return Filetype::kRegularFile;
    case S_IFDIR:
      return Filetype::kDirectory;
    case S_IFLNK:
      return Filetype::kSymbolicLink;
    case S_IFCHR:
      return Filetype::kCharacterDevice;
    case S_IFBLK:
      return Filetype::kBlockDevice;
    case S_IFSOCK:
      return Filetype::kSocketStream;
    default:
      return Filetype::kUnknown;
  }
}

static uint64_t Nanos(const timespec& ts) {
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

FileStat FileStatFromHost(const struct stat& st) {
  FileStat out;
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.type = FiletypeFromMode(st.st_mode);
  out.nlink = st.st_nlink;
  out.size = uint64_t(st.st_size);
  out.atim_ns = Nanos(st.st_atim);
  out.mtim_ns = Nanos(st.st_mtim);
  out.ctim_ns = Nanos(st.st_ctim);
  return out;
}

ErrnoOr<FileStat> StatFd(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return LastHostErrno();
  return FileStatFromHost(st);
}

}  // namespace shoal::wasi
