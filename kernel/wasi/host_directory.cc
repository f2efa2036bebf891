#include "kernel/wasi/host_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include "kernel/object/directory.h"
#include "kernel/wasi/async_file_io.h"
#include "kernel/wasi/file_view.h"
#include "kernel/wasi/host_file.h"
#include "kernel/wasi/path_resolver.h"

namespace shoal::wasi {

namespace {

using kernel::DirectoryOps;
using kernel::Ref;

// The WASI layer checks WASI rights itself; the kernel object sees a handle
// that may do everything a directory allows.
constexpr kernel::Rights kViewRights = kernel::Rights::kRead | kernel::Rights::kWrite;

// One key type per operation (pending_call.h): the directory and every
// argument.
using OpenKey = PendingKey<struct OpenTag, Ref<DirectoryOps>, std::string, uint32_t>;
using StatKey = PendingKey<struct StatTag, Ref<DirectoryOps>>;
using StatAtKey = PendingKey<struct StatAtTag, Ref<DirectoryOps>, std::string, bool>;
using ReadDirKey = PendingKey<struct ReadDirTag, Ref<DirectoryOps>>;
using MakeDirectoryKey = PendingKey<struct MakeDirectoryTag, Ref<DirectoryOps>, std::string>;
using UnlinkKey = PendingKey<struct UnlinkTag, Ref<DirectoryOps>, std::string, bool>;
using RenameKey =
    PendingKey<struct RenameTag, Ref<DirectoryOps>, std::string, Ref<DirectoryOps>, std::string>;
using LinkKey =
    PendingKey<struct LinkTag, Ref<DirectoryOps>, std::string, Ref<DirectoryOps>, std::string>;
using SymlinkKey = PendingKey<struct SymlinkTag, Ref<DirectoryOps>, std::string, std::string>;
using ReadLinkKey = PendingKey<struct ReadLinkTag, Ref<DirectoryOps>, std::string>;

}  // namespace

HostDirectory::HostDirectory(Ref<DirectoryOps> dir, bool poll_streams)
    : dir_(std::move(dir)),
      local_(dynamic_cast<kernel::Directory*>(dir_.get())),
      poll_streams_(poll_streams) {}

ErrnoOr<std::shared_ptr<HostDirectory>> HostDirectory::OpenHost(const std::string& host_path,
                                                                FileIo* io) {
  FileIo& file_io = io != nullptr ? *io : InlineFileIo::Shared();
  Ref<kernel::Directory> dir = TRY(FromHost(kernel::Directory::OpenRoot(host_path, file_io)));
  return Adopt(std::move(dir), io != nullptr);
}

std::shared_ptr<HostDirectory> HostDirectory::Adopt(Ref<DirectoryOps> dir, bool poll_streams) {
  return std::shared_ptr<HostDirectory>(new HostDirectory(std::move(dir), poll_streams));
}

ErrnoOr<FileStat> HostDirectory::Stat(PendingCall& call) {
  kernel::FileAttr attr = TRY(RunFsOp<kernel::FileAttr>(
      call, StatKey(dir_), [&](auto done) { dir_->StatAsync(std::move(done)); }));
  return FileStatFromAttr(attr);
}

Errno HostDirectory::Sync(PendingCall&, SyncScope scope) {
  if (local_ == nullptr) return Errno::kNotsup;
  int fd = local_->host_fd();
  int rc = scope == SyncScope::kDataOnly ? ::fdatasync(fd) : ::fsync(fd);
  if (rc != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostDirectory::SetTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) {
  if (local_ == nullptr) return Errno::kNotsup;
  return SetFdTimes(local_->host_fd(), atim_ns, mtim_ns, fstflags);
}

ErrnoOr<const std::vector<DirEntry>*> HostDirectory::Entries(PendingCall& call, bool refresh) {
  if (!refresh && !entries_.empty()) return &entries_;
  std::vector<kernel::DirEntry> listed = TRY(RunFsOp<std::vector<kernel::DirEntry>>(
      call, ReadDirKey(dir_), [&](auto done) { dir_->ReadDirAsync(std::move(done)); }));
  entries_.clear();
  for (kernel::DirEntry& e : listed) {
    entries_.push_back(DirEntry{std::move(e.name), e.ino, FiletypeFromMode(e.mode)});
  }
  return &entries_;
}

ErrnoOr<std::shared_ptr<FileObject>> HostDirectory::Open(PendingCall& call, std::string_view path,
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
  kernel::HandleEntry opened = TRY(RunFsOp<kernel::HandleEntry>(
      call, OpenKey(dir_, std::string(path), options.Pack()), [&](auto done) {
        dir_->OpenAsync(path, options, kViewRights, kViewRights, std::move(done));
      }));
  switch (opened.object->type()) {
    case kernel::ObjectType::kDirectory:
      return std::shared_ptr<FileObject>(
          Adopt(std::static_pointer_cast<DirectoryOps>(std::move(opened.object)), poll_streams_));
    case kernel::ObjectType::kFile:
      break;
    default:
      return Errno::kIo;  // A directory that opens neither: a broken peer.
  }
  auto local = std::dynamic_pointer_cast<kernel::File>(opened.object);
  if (local == nullptr) {  // A proxied file: a view that parks on its every call.
    return std::shared_ptr<FileObject>(FileView::Create(
        std::static_pointer_cast<kernel::FileOps>(std::move(opened.object)), request.fdflags));
  }
  FileStat st = TRY(StatFd(local->host_fd()));
  std::shared_ptr<HostFile> view = HostFile::Adopt(std::move(local), st.type, poll_streams_);
  if (request.fdflags & kFdflagNonblock) {
    if (Errno e = view->SetFlags(request.fdflags); e != Errno::kSuccess) return e;
  }
  return std::shared_ptr<FileObject>(std::move(view));
}

Errno HostDirectory::CreateDirectory(PendingCall& call, std::string_view path) {
  return RunFsChange(call, MakeDirectoryKey(dir_, std::string(path)),
                     [&](auto done) { dir_->MakeDirectoryAsync(path, std::move(done)); });
}

Errno HostDirectory::RemoveDirectory(PendingCall& call, std::string_view path) {
  return RunFsChange(call, UnlinkKey(dir_, std::string(path), true), [&](auto done) {
    dir_->UnlinkAsync(path, /*directory=*/true, std::move(done));
  });
}

Errno HostDirectory::UnlinkFile(PendingCall& call, std::string_view path) {
  return RunFsChange(call, UnlinkKey(dir_, std::string(path), false), [&](auto done) {
    dir_->UnlinkAsync(path, /*directory=*/false, std::move(done));
  });
}

ErrnoOr<FileStat> HostDirectory::StatPath(PendingCall& call, std::string_view path, bool follow) {
  kernel::FileAttr attr = TRY(RunFsOp<kernel::FileAttr>(
      call, StatAtKey(dir_, std::string(path), follow),
      [&](auto done) { dir_->StatAtAsync(path, follow, std::move(done)); }));
  return FileStatFromAttr(attr);
}

Errno HostDirectory::SetTimesPath(std::string_view path, bool follow, uint64_t atim_ns,
                                  uint64_t mtim_ns, uint16_t fstflags) {
  if (local_ == nullptr) return Errno::kNotsup;
  int fd = local_->host_fd();
  std::string normalized = TRY(NormalizeGuestPath(path));
  std::array<timespec, 2> times = TRY(FileTimes(atim_ns, mtim_ns, fstflags));
  if (!follow) {
    ParentAndLeaf at = TRY(FromHost(OpenParentBeneath(fd, normalized)));
    if (::utimensat(at.parent.get(), at.leaf.c_str(), times.data(), AT_SYMLINK_NOFOLLOW) != 0) {
      return LastHostErrno();
    }
    return Errno::kSuccess;
  }
  // Resolve beneath first (so a symlink cannot point outside), then name the
  // resolved file through /proc: futimens() does not take O_PATH descriptors.
  UniqueFd target = TRY(FromHost(OpenBeneath(fd, normalized, O_PATH, 0, FollowLast::kYes)));
  std::string proc = "/proc/self/fd/" + std::to_string(target.get());
  if (::utimensat(AT_FDCWD, proc.c_str(), times.data(), 0) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostDirectory::Rename(PendingCall& call, std::string_view old_path, HostDirectory& new_dir,
                            std::string_view new_path) {
  return RunFsChange(
      call, RenameKey(dir_, std::string(old_path), new_dir.dir_, std::string(new_path)),
      [&](auto done) { dir_->RenameAsync(old_path, *new_dir.dir_, new_path, std::move(done)); });
}

Errno HostDirectory::Link(PendingCall& call, std::string_view old_path, HostDirectory& new_dir,
                          std::string_view new_path) {
  return RunFsChange(
      call, LinkKey(dir_, std::string(old_path), new_dir.dir_, std::string(new_path)),
      [&](auto done) { dir_->HardLinkAsync(old_path, *new_dir.dir_, new_path, std::move(done)); });
}

Errno HostDirectory::Symlink(PendingCall& call, std::string_view target, std::string_view path) {
  return RunFsChange(call, SymlinkKey(dir_, std::string(target), std::string(path)),
                     [&](auto done) { dir_->SymlinkAsync(target, path, std::move(done)); });
}

ErrnoOr<std::string> HostDirectory::ReadLink(PendingCall& call, std::string_view path) {
  return RunFsOp<std::string>(call, ReadLinkKey(dir_, std::string(path)),
                              [&](auto done) { dir_->ReadLinkAsync(path, std::move(done)); });
}

}  // namespace shoal::wasi
