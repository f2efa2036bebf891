// path_* calls. Each resolves its path through a directory descriptor's
// HostDirectory, which keeps it beneath that directory (path_resolver.h).
// The calls that reach the kernel directory park while it answers
// (TRY(OrPark(...)) / ParkOnPending); the retried call collects the answer.
#include <algorithm>

#include "kernel/wasi/host_calls.h"
#include "kernel/wasi/host_directory.h"

namespace shoal::wasi {
namespace {

// The directory behind descriptor `fd`, which must hold `needed`. As in
// kernel/base/status.h, a bad descriptor wins over a wrong type (ENOTDIR),
// and a wrong type over missing rights.
ErrnoOr<HostDirectory*> DirectoryOf(WasiCall& c, uint32_t fd, Rights needed,
                                    Descriptor** descriptor = nullptr) {
  Descriptor* d = TRY(c.process.fds().Get(fd));
  HostDirectory* dir = d->object->AsDirectory();
  if (dir == nullptr) return Errno::kNotdir;
  if ((d->rights_base & needed) != needed) return Errno::kNotcapable;
  if (descriptor != nullptr) *descriptor = d;
  return dir;
}

}  // namespace

Errno PathOpen(WasiCall& c) {
  uint32_t oflags = c.U32(4), fdflags = c.U32(7), result_ptr = c.U32(8);
  Rights want_base = c.U64(5), want_inheriting = c.U64(6);
  Rights needed = kRightPathOpen;
  if (oflags & kOflagCreat) needed |= kRightPathCreateFile;
  if (oflags & kOflagTrunc) needed |= kRightPathFilestatSetSize;
  Descriptor* parent = nullptr;
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(0), needed, &parent));
  std::string path = TRY(c.memory.String(c.U32(2), c.U32(3)));
  // Check the result slot before opening, so a bad pointer cannot leave a
  // descriptor (or a created file) behind unreported.
  if (!c.memory.Bytes(result_ptr, 4)) return Errno::kFault;

  OpenRequest request;
  request.oflags = uint16_t(oflags);
  request.fdflags = uint16_t(fdflags);
  request.follow = c.U32(1) & kLookupSymlinkFollow;
  request.read = want_base & (kRightFdRead | kRightFdReaddir);
  request.write = want_base & (kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize);
  // A directory is never written: asking for FD_WRITE with O_DIRECTORY
  // reaches the host as a write open, which it refuses with EISDIR (as the
  // suite expects); the other write-side rights are dropped.
  if (oflags & kOflagDirectory) request.write = want_base & kRightFdWrite;
  // A descriptor never gets more than the directory may hand out.
  if (request.write && !(parent->rights_inheriting & kRightFdWrite)) return Errno::kNotcapable;

  std::shared_ptr<FileObject> object =
      TRY(OrPark(c, dir->Open(c.process.pending_call(), path, request)));
  Descriptor opened;
  opened.rights_base = want_base & parent->rights_inheriting & object->max_rights();
  opened.rights_inheriting = want_inheriting & parent->rights_inheriting;
  opened.object = std::move(object);
  uint32_t fd = TRY(c.process.fds().Insert(std::move(opened)));
  return c.memory.Store32(result_ptr, fd);
}

Errno PathFilestatGet(WasiCall& c) {
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(0), kRightPathFilestatGet));
  std::string path = TRY(c.memory.String(c.U32(2), c.U32(3)));
  if (!c.memory.Bytes(c.U32(4), kFilestatSize)) return Errno::kFault;
  FileStat st = TRY(
      OrPark(c, dir->StatPath(c.process.pending_call(), path, c.U32(1) & kLookupSymlinkFollow)));
  return StoreFileStat(c.memory, c.U32(4), st);
}

Errno PathFilestatSetTimes(WasiCall& c) {
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(0), kRightPathFilestatSetTimes));
  std::string path = TRY(c.memory.String(c.U32(2), c.U32(3)));
  return dir->SetTimesPath(path, c.U32(1) & kLookupSymlinkFollow, c.U64(4), c.U64(5),
                           uint16_t(c.U32(6)));
}

Errno PathCreateDirectory(WasiCall& c) {
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(0), kRightPathCreateDirectory));
  std::string path = TRY(c.memory.String(c.U32(1), c.U32(2)));
  return ParkOnPending(c, dir->CreateDirectory(c.process.pending_call(), path));
}

Errno PathRemoveDirectory(WasiCall& c) {
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(0), kRightPathRemoveDirectory));
  std::string path = TRY(c.memory.String(c.U32(1), c.U32(2)));
  return ParkOnPending(c, dir->RemoveDirectory(c.process.pending_call(), path));
}

Errno PathUnlinkFile(WasiCall& c) {
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(0), kRightPathUnlinkFile));
  std::string path = TRY(c.memory.String(c.U32(1), c.U32(2)));
  return ParkOnPending(c, dir->UnlinkFile(c.process.pending_call(), path));
}

Errno PathRename(WasiCall& c) {
  HostDirectory* from = TRY(DirectoryOf(c, c.U32(0), kRightPathRenameSource));
  std::string old_path = TRY(c.memory.String(c.U32(1), c.U32(2)));
  HostDirectory* to = TRY(DirectoryOf(c, c.U32(3), kRightPathRenameTarget));
  std::string new_path = TRY(c.memory.String(c.U32(4), c.U32(5)));
  return ParkOnPending(c, from->Rename(c.process.pending_call(), old_path, *to, new_path));
}

// path_readlink(fd, path, path_len, buf, buf_len, bufused_ptr): the link's
// target, cut to buf_len bytes (no NUL), its length at bufused_ptr.
Errno PathReadlink(WasiCall& c) {
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(0), kRightPathReadlink));
  std::string path = TRY(c.memory.String(c.U32(1), c.U32(2)));
  uint32_t buf_ptr = c.U32(3), buf_len = c.U32(4), used_ptr = c.U32(5);
  auto out = c.memory.Bytes(buf_ptr, buf_len);
  if (!out || !c.memory.Bytes(used_ptr, 4)) return Errno::kFault;
  std::string target = TRY(OrPark(c, dir->ReadLink(c.process.pending_call(), path)));
  size_t n = std::min<size_t>(target.size(), buf_len);
  std::copy_n(target.begin(), n, out->begin());
  return c.memory.Store32(used_ptr, uint32_t(n));
}

// path_symlink(old_path, old_len, fd, new_path, new_len): a symlink at
// new_path holding old_path. A relative target is never resolved when it is
// made; following it later resolves it beneath the directory it is opened
// through, so a link pointing out leads nowhere (path_resolver.h).
Errno PathSymlink(WasiCall& c) {
  HostDirectory* dir = TRY(DirectoryOf(c, c.U32(2), kRightPathSymlink));
  std::string target = TRY(c.memory.String(c.U32(0), c.U32(1)));
  std::string path = TRY(c.memory.String(c.U32(3), c.U32(4)));
  // An absolute target names the host's root, never a file beneath a
  // preopen: it is an escape attempt when made, as when followed.
  if (!target.empty() && target.front() == '/') return Errno::kNotcapable;
  return ParkOnPending(c, dir->Symlink(c.process.pending_call(), target, path));
}

// path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len).
// SYMLINK_FOLLOW is refused (EINVAL): linking what a symlink names would
// resolve its target with linkat(2), outside the path_beneath.h wall.
Errno PathLink(WasiCall& c) {
  HostDirectory* from = TRY(DirectoryOf(c, c.U32(0), kRightPathLinkSource));
  std::string old_path = TRY(c.memory.String(c.U32(2), c.U32(3)));
  HostDirectory* to = TRY(DirectoryOf(c, c.U32(4), kRightPathLinkTarget));
  std::string new_path = TRY(c.memory.String(c.U32(5), c.U32(6)));
  if (c.U32(1) & kLookupSymlinkFollow) return Errno::kInval;
  return ParkOnPending(c, from->Link(c.process.pending_call(), old_path, *to, new_path));
}

}  // namespace shoal::wasi
