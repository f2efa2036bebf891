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

ErrnoOr<std::array<timespec, 2>> FileTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) {
  auto one = [](uint64_t ns, bool set, bool now) -> ErrnoOr<timespec> {
    if (set && now) return Errno::kInval;
    if (now) return timespec{0, UTIME_NOW};
    if (!set) return timespec{0, UTIME_OMIT};
    return timespec{time_t(ns / 1'000'000'000ull), long(ns % 1'000'000'000ull)};
  };
  timespec a = TRY_ERRNO(one(atim_ns, fstflags & kFstflagAtim, fstflags & kFstflagAtimNow));
  timespec m = TRY_ERRNO(one(mtim_ns, fstflags & kFstflagMtim, fstflags & kFstflagMtimNow));
  return std::array<timespec, 2>{a, m};
}

Errno SetFdTimes(int fd, uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) {
  std::array<timespec, 2> times = TRY_ERRNO(FileTimes(atim_ns, mtim_ns, fstflags));
  if (::futimens(fd, times.data()) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

ErrnoOr<FileStat> StatFd(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return LastHostErrno();
  return FileStatFromHost(st);
}

}  // namespace shoal::wasi
