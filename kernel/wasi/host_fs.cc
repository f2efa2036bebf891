#include "kernel/wasi/host_fs.h"

#include <unistd.h>

namespace shoal::wasi {

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

FileStat FileStatFromAttr(const kernel::FileAttr& attr) {
  FileStat out;
  out.dev = attr.dev;
  out.ino = attr.ino;
  out.type = FiletypeFromMode(attr.mode);
  out.nlink = attr.nlink;
  out.size = attr.size;
  out.atim_ns = attr.atim_ns;
  out.mtim_ns = attr.mtim_ns;
  out.ctim_ns = attr.ctim_ns;
  return out;
}

ErrnoOr<std::array<timespec, 2>> FileTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) {
  auto one = [](uint64_t ns, bool set, bool now) -> ErrnoOr<timespec> {
    if (set && now) return Errno::kInval;
    if (now) return timespec{0, UTIME_NOW};
    if (!set) return timespec{0, UTIME_OMIT};
    return timespec{time_t(ns / 1'000'000'000ull), long(ns % 1'000'000'000ull)};
  };
  timespec a = TRY(one(atim_ns, fstflags & kFstflagAtim, fstflags & kFstflagAtimNow));
  timespec m = TRY(one(mtim_ns, fstflags & kFstflagMtim, fstflags & kFstflagMtimNow));
  return std::array<timespec, 2>{a, m};
}

Errno SetFdTimes(int fd, uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) {
  std::array<timespec, 2> times = TRY(FileTimes(atim_ns, mtim_ns, fstflags));
  if (::futimens(fd, times.data()) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

ErrnoOr<FileStat> StatFd(int fd) {
  kernel::ErrnoResult<kernel::FileAttr> attr = kernel::StatHostFd(fd);
  if (!attr.ok()) return ErrnoFromHost(attr.error());
  return FileStatFromAttr(*attr);
}

}  // namespace shoal::wasi
