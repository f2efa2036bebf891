#include "kernel/wasi/host_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include "kernel/object/directory.h"
#include "kernel/wasi/host_file.h"
#include "kernel/wasi/path_resolver.h"

namespace shoal::wasi {

ErrnoOr<std::shared_ptr<HostDirectory>> HostDirectory::OpenHost(const std::string& host_path,
                                                                kernel::FileIo* io) {
  int fd = ::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return LastHostErrno();
  return std::shared_ptr<HostDirectory>(new HostDirectory(UniqueFd(fd), io));
}

Errno HostDirectory::Sync() {
  if (::fsync(fd_.get()) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

ErrnoOr<const std::vector<DirEntry>*> HostDirectory::Entries(bool refresh) {
  if (!refresh && !entries_.empty()) return &entries_;
  std::vector<kernel::DirEntry> listed = TRY_ERRNO(FromHost(kernel::ReadHostDirectory(fd_.get())));
  entries_.clear();
  for (kernel::DirEntry& e : listed) {
    entries_.push_back(DirEntry{std::move(e.name), e.ino, FiletypeFromMode(e.mode)});
  }
  return &entries_;
}

ErrnoOr<std::shared_ptr<FileObject>> HostDirectory::Open(std::string_view path,
                                                         const OpenRequest& request) {
  std::string normalized = TRY_ERRNO(NormalizeGuestPath(path));
  int flags = 0;
  if (request.read && request.write) {
    flags = O_RDWR;
  } else if (request.write) {
    flags = O_WRONLY;
  } else {
    flags = O_RDONLY;
  }
  if (request.oflags & kOflagCreat) flags |= O_CREAT;
  if (request.oflags & kOflagExcl) flags |= O_EXCL;
  if (request.oflags & kOflagTrunc) flags |= O_TRUNC;
  if (request.oflags & kOflagDirectory) flags |= O_DIRECTORY;
  if (request.fdflags & kFdflagAppend) flags |= O_APPEND;
  if (request.fdflags & (kFdflagSync | kFdflagRsync)) flags |= O_SYNC;
  if (request.fdflags & kFdflagDsync) flags |= O_DSYNC;
  // Opening a directory for writing fails on the host with EISDIR, which is
  // also what POSIX promises the guest.
  UniqueFd fd = TRY_ERRNO(FromHost(OpenBeneath(
      fd_.get(), normalized, flags, 0666, request.follow ? FollowLast::kYes : FollowLast::kNo)));
  FileStat st = TRY_ERRNO(StatFd(fd.get()));
  if (st.type == Filetype::kDirectory) {
    return std::shared_ptr<FileObject>(new HostDirectory(std::move(fd), io_));
  }
  if (request.oflags & kOflagDirectory) return Errno::kNotdir;
  return std::shared_ptr<FileObject>(HostFile::Adopt(std::move(fd), st.type, io_));
}

Errno HostDirectory::CreateDirectory(std::string_view path) {
  std::string normalized = TRY_ERRNO(NormalizeGuestPath(path));
  ParentAndLeaf at = TRY_ERRNO(FromHost(OpenParentBeneath(fd_.get(), normalized)));
  if (::mkdirat(at.parent.get(), at.leaf.c_str(), 0777) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostDirectory::RemoveDirectory(std::string_view path) {
  std::string normalized = TRY_ERRNO(NormalizeGuestPath(path));
  if (normalized == ".") return Errno::kBusy;  // Never remove a preopen's root.
  ParentAndLeaf at = TRY_ERRNO(FromHost(OpenParentBeneath(fd_.get(), normalized)));
  if (::unlinkat(at.parent.get(), at.leaf.c_str(), AT_REMOVEDIR) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostDirectory::UnlinkFile(std::string_view path) {
  std::string normalized = TRY_ERRNO(NormalizeGuestPath(path));
  if (normalized == ".") return Errno::kIsdir;
  // "name/" names a directory to POSIX; unlinking one is EISDIR or ENOTDIR.
  bool trailing_slash = !path.empty() && path.back() == '/';
  ParentAndLeaf at = TRY_ERRNO(FromHost(OpenParentBeneath(fd_.get(), normalized)));
  struct stat st;
  if (::fstatat(at.parent.get(), at.leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return LastHostErrno();
  }
  if (S_ISDIR(st.st_mode)) return Errno::kIsdir;
  if (trailing_slash) return Errno::kNotdir;
  if (::unlinkat(at.parent.get(), at.leaf.c_str(), 0) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

ErrnoOr<FileStat> HostDirectory::StatPath(std::string_view path, bool follow) {
  std::string normalized = TRY_ERRNO(NormalizeGuestPath(path));
  // O_PATH opens anything (even unreadable files) without side effects, and
  // going through OpenBeneath means a followed symlink cannot point outside.
  UniqueFd fd = TRY_ERRNO(FromHost(
      OpenBeneath(fd_.get(), normalized, O_PATH, 0, follow ? FollowLast::kYes : FollowLast::kNo)));
  return StatFd(fd.get());
}

Errno HostDirectory::SetTimesPath(std::string_view path, bool follow, uint64_t atim_ns,
                                  uint64_t mtim_ns, uint16_t fstflags) {
  std::string normalized = TRY_ERRNO(NormalizeGuestPath(path));
  std::array<timespec, 2> times = TRY_ERRNO(FileTimes(atim_ns, mtim_ns, fstflags));
  if (!follow) {
    ParentAndLeaf at = TRY_ERRNO(FromHost(OpenParentBeneath(fd_.get(), normalized)));
    if (::utimensat(at.parent.get(), at.leaf.c_str(), times.data(), AT_SYMLINK_NOFOLLOW) != 0) {
      return LastHostErrno();
    }
    return Errno::kSuccess;
  }
  // Resolve beneath first (so a symlink cannot point outside), then name the
  // resolved file through /proc: futimens() does not take O_PATH descriptors.
  UniqueFd fd =
      TRY_ERRNO(FromHost(OpenBeneath(fd_.get(), normalized, O_PATH, 0, FollowLast::kYes)));
  std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
  if (::utimensat(AT_FDCWD, proc.c_str(), times.data(), 0) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostDirectory::Rename(std::string_view old_path, HostDirectory& new_dir,
                            std::string_view new_path) {
  std::string old_norm = TRY_ERRNO(NormalizeGuestPath(old_path));
  std::string new_norm = TRY_ERRNO(NormalizeGuestPath(new_path));
  if (old_norm == "." || new_norm == ".") return Errno::kBusy;
  ParentAndLeaf from = TRY_ERRNO(FromHost(OpenParentBeneath(fd_.get(), old_norm)));
  ParentAndLeaf to = TRY_ERRNO(FromHost(OpenParentBeneath(new_dir.fd_.get(), new_norm)));
  if (::renameat(from.parent.get(), from.leaf.c_str(), to.parent.get(), to.leaf.c_str()) != 0) {
    return LastHostErrno();
  }
  return Errno::kSuccess;
}

}  // namespace shoal::wasi
