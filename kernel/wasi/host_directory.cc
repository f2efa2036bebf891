#include "kernel/wasi/host_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include "kernel/object/directory.h"
#include "kernel/wasi/host_file.h"
#include "kernel/wasi/path_resolver.h"

namespace shoal::wasi {

namespace {

// A kernel Directory's failure as a WASI errno.
Errno FromKernel(const kernel::ErrnoResult<kernel::Done>& result) {
  return result.ok() ? Errno::kSuccess : ErrnoFromHost(result.error());
}

// The WASI layer checks WASI rights itself; the kernel object sees a handle
// that may do everything a directory allows.
constexpr kernel::Rights kViewRights = kernel::Rights::kRead | kernel::Rights::kWrite;

}  // namespace

ErrnoOr<std::shared_ptr<HostDirectory>> HostDirectory::OpenHost(const std::string& host_path,
                                                                kernel::FileIo* io) {
  kernel::FileIo& file_io = io != nullptr ? *io : kernel::InlineFileIo::Shared();
  kernel::Ref<kernel::Directory> dir =
      TRY_ERRNO(FromHost(kernel::Directory::OpenRoot(host_path, file_io)));
  return Adopt(std::move(dir), io != nullptr);
}

std::shared_ptr<HostDirectory> HostDirectory::Adopt(kernel::Ref<kernel::Directory> dir,
                                                    bool poll_streams) {
  return std::shared_ptr<HostDirectory>(new HostDirectory(std::move(dir), poll_streams));
}

Errno HostDirectory::Sync(SyncScope scope) {
  int rc = scope == SyncScope::kDataOnly ? ::fdatasync(fd()) : ::fsync(fd());
  if (rc != 0) return LastHostErrno();
  return Errno::kSuccess;
}

ErrnoOr<const std::vector<DirEntry>*> HostDirectory::Entries(bool refresh) {
  if (!refresh && !entries_.empty()) return &entries_;
  std::vector<kernel::DirEntry> listed = TRY_ERRNO(FromHost(dir_->ReadDir()));
  entries_.clear();
  for (kernel::DirEntry& e : listed) {
    entries_.push_back(DirEntry{std::move(e.name), e.ino, FiletypeFromMode(e.mode)});
  }
  return &entries_;
}

ErrnoOr<std::shared_ptr<FileObject>> HostDirectory::Open(std::string_view path,
                                                         const OpenRequest& request) {
  kernel::OpenOptions options;
  options.read = request.read || !request.write;
  options.write = request.write;
  options.create = request.oflags & kOflagCreat;
  options.exclusive = request.oflags & kOflagExcl;
  options.truncate = request.oflags & kOflagTrunc;
  options.directory = request.oflags & kOflagDirectory;
  options.append = request.fdflags & kFdflagAppend;
  options.sync = request.fdflags & (kFdflagSync | kFdflagRsync);
  options.data_sync = request.fdflags & kFdflagDsync;
  options.follow = request.follow;
  kernel::HandleEntry opened =
      TRY_ERRNO(FromHost(dir_->Open(path, options, kViewRights, kViewRights)));
  if (opened.object->type() == kernel::ObjectType::kDirectory) {
    auto dir = std::static_pointer_cast<kernel::Directory>(std::move(opened.object));
    return std::shared_ptr<FileObject>(Adopt(std::move(dir), poll_streams_));
  }
  auto file = std::static_pointer_cast<kernel::File>(std::move(opened.object));
  FileStat st = TRY_ERRNO(StatFd(file->host_fd()));
  std::shared_ptr<HostFile> view = HostFile::Adopt(std::move(file), st.type, poll_streams_);
  if (request.fdflags & kFdflagNonblock) {
    if (Errno e = view->SetFlags(request.fdflags); e != Errno::kSuccess) return e;
  }
  return std::shared_ptr<FileObject>(std::move(view));
}

Errno HostDirectory::CreateDirectory(std::string_view path) {
  return FromKernel(dir_->MakeDirectory(path));
}

Errno HostDirectory::RemoveDirectory(std::string_view path) {
  return FromKernel(dir_->Unlink(path, /*directory=*/true));
}

Errno HostDirectory::UnlinkFile(std::string_view path) {
  return FromKernel(dir_->Unlink(path, /*directory=*/false));
}

ErrnoOr<FileStat> HostDirectory::StatPath(std::string_view path, bool follow) {
  kernel::FileAttr attr = TRY_ERRNO(FromHost(dir_->StatAt(path, follow)));
  return FileStatFromAttr(attr);
}

Errno HostDirectory::SetTimesPath(std::string_view path, bool follow, uint64_t atim_ns,
                                  uint64_t mtim_ns, uint16_t fstflags) {
  std::string normalized = TRY_ERRNO(NormalizeGuestPath(path));
  std::array<timespec, 2> times = TRY_ERRNO(FileTimes(atim_ns, mtim_ns, fstflags));
  if (!follow) {
    ParentAndLeaf at = TRY_ERRNO(FromHost(OpenParentBeneath(fd(), normalized)));
    if (::utimensat(at.parent.get(), at.leaf.c_str(), times.data(), AT_SYMLINK_NOFOLLOW) != 0) {
      return LastHostErrno();
    }
    return Errno::kSuccess;
  }
  // Resolve beneath first (so a symlink cannot point outside), then name the
  // resolved file through /proc: futimens() does not take O_PATH descriptors.
  UniqueFd target = TRY_ERRNO(FromHost(OpenBeneath(fd(), normalized, O_PATH, 0, FollowLast::kYes)));
  std::string proc = "/proc/self/fd/" + std::to_string(target.get());
  if (::utimensat(AT_FDCWD, proc.c_str(), times.data(), 0) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostDirectory::Rename(std::string_view old_path, HostDirectory& new_dir,
                            std::string_view new_path) {
  return FromKernel(dir_->Rename(old_path, *new_dir.dir_, new_path));
}

}  // namespace shoal::wasi
