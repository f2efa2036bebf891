#include "kernel/object/directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/object/path_beneath.h"

namespace shoal::kernel {
namespace {

enum OpenBit : uint32_t {
  kBitRead = 1u << 0,
  kBitWrite = 1u << 1,
  kBitCreate = 1u << 2,
  kBitExclusive = 1u << 3,
  kBitTruncate = 1u << 4,
  kBitDirectory = 1u << 5,
  kBitAppend = 1u << 6,
  kBitSync = 1u << 7,
  kBitDataSync = 1u << 8,
  kBitFollow = 1u << 9,
};

int HostOpenFlags(const OpenOptions& o) {
  int flags = o.read && o.write ? O_RDWR : o.write ? O_WRONLY : O_RDONLY;
  if (o.create) flags |= O_CREAT;
  if (o.exclusive) flags |= O_EXCL;
  if (o.truncate) flags |= O_TRUNC;
  if (o.directory) flags |= O_DIRECTORY;
  if (o.append) flags |= O_APPEND;
  if (o.sync) flags |= O_SYNC;
  if (o.data_sync) flags |= O_DSYNC;
  return flags;
}

// Whether `path` can only name a directory to POSIX: it ends in a slash, or
// in a `.` or `..` component. Normalizing drops that, so the callers below
// put it back.
bool NamesDirectory(std::string_view path) {
  if (path.empty()) return false;
  if (path.back() == '/') return true;
  size_t slash = path.rfind('/');
  std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return last == "." || last == "..";
}

// A path's normalized form and the directory holding its leaf.
ErrnoResult<ParentAndLeaf> ParentOf(int dirfd, std::string_view path) {
  std::string normalized = TRY(NormalizeRelativePath(path));
  return OpenParentBeneath(dirfd, normalized);
}

// The entry a call creates at `path`: its parent and its leaf, the leaf with
// the trailing slash `path` had, so that the host refuses "name/" for a new
// symlink or link as POSIX says (ENOENT, or EEXIST / ENOTDIR when it exists).
ErrnoResult<ParentAndLeaf> NewEntryOf(int dirfd, std::string_view path) {
  ParentAndLeaf at = TRY(ParentOf(dirfd, path));
  if (path.back() == '/') at.leaf += '/';
  return at;
}

}  // namespace

uint32_t OpenOptions::Pack() const {
  uint32_t bits = 0;
  if (read) bits |= kBitRead;
  if (write) bits |= kBitWrite;
  if (create) bits |= kBitCreate;
  if (exclusive) bits |= kBitExclusive;
  if (truncate) bits |= kBitTruncate;
  if (directory) bits |= kBitDirectory;
  if (append) bits |= kBitAppend;
  if (sync) bits |= kBitSync;
  if (data_sync) bits |= kBitDataSync;
  if (follow) bits |= kBitFollow;
  return bits;
}

OpenOptions OpenOptions::Unpack(uint32_t bits) {
  OpenOptions o;
  o.read = bits & kBitRead;
  o.write = bits & kBitWrite;
  o.create = bits & kBitCreate;
  o.exclusive = bits & kBitExclusive;
  o.truncate = bits & kBitTruncate;
  o.directory = bits & kBitDirectory;
  o.append = bits & kBitAppend;
  o.sync = bits & kBitSync;
  o.data_sync = bits & kBitDataSync;
  o.follow = bits & kBitFollow;
  return o;
}

ErrnoResult<Ref<Directory>> Directory::OpenRoot(const std::string& host_path, FileIo& io) {
  int fd = ::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return LastError();
  return Ref<Directory>(new Directory(UniqueFd(fd), io));
}

ErrnoResult<HandleEntry> Directory::OpenNow(std::string_view path, const OpenOptions& options,
                                            Rights rights, Rights granted) {
  if (!Contains(granted, Rights::kRead)) return HostError{kErrnoNotCapable};
  bool changes = options.create || options.write || options.truncate || options.append;
  if (changes && !Contains(granted, Rights::kWrite)) return HostError{kErrnoNotCapable};
  std::string normalized = TRY(NormalizeRelativePath(path));
  int flags = HostOpenFlags(options);
  if (NamesDirectory(path)) {
    // POSIX: "file/" must be a directory; creating one through open() is
    // EISDIR, as Linux answers.
    if (options.create) return HostError{EISDIR};
    flags |= O_DIRECTORY;
  }
  // Opening a directory for writing fails on the host with EISDIR, which is
  // also what POSIX promises.
  UniqueFd fd = TRY(OpenBeneath(fd_.get(), normalized, flags, 0666,
                                options.follow ? FollowLast::kYes : FollowLast::kNo));
  FileAttr attr = TRY(StatHostFd(fd.get()));
  Rights kept = rights & granted;
  if (S_ISDIR(attr.mode)) {
    return HandleEntry{Ref<Directory>(new Directory(std::move(fd), io_)), kept};
  }
  return HandleEntry{File::Adopt(std::move(fd), io_, options.append), kept};
}

ErrnoResult<FileAttr> Directory::StatAtNow(std::string_view path, bool follow) {
  std::string normalized = TRY(NormalizeRelativePath(path));
  // O_PATH opens anything (even unreadable files) without side effects, and
  // going through OpenBeneath means a followed symlink cannot point outside.
  int flags = NamesDirectory(path) ? O_PATH | O_DIRECTORY : O_PATH;
  UniqueFd fd = TRY(
      OpenBeneath(fd_.get(), normalized, flags, 0, follow ? FollowLast::kYes : FollowLast::kNo));
  return StatHostFd(fd.get());
}

ErrnoResult<std::vector<DirEntry>> ReadHostDirectory(int dirfd) {
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return LastError();
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    HostError error = LastError();
    ::close(fd);
    return error;
  }
  std::vector<DirEntry> entries;
  while (dirent* ent = ::readdir(dir)) {
    uint32_t mode = ent->d_type == DT_UNKNOWN ? 0 : uint32_t(DTTOIF(ent->d_type));
    entries.push_back(DirEntry{ent->d_name, ent->d_ino, mode});
  }
  ::closedir(dir);
  return entries;
}

ErrnoResult<Done> Directory::MakeDirectoryNow(std::string_view path) {
  ParentAndLeaf at = TRY(ParentOf(fd_.get(), path));
  if (::mkdirat(at.parent.get(), at.leaf.c_str(), 0777) != 0) return LastError();
  return Done{};
}

ErrnoResult<Done> Directory::UnlinkNow(std::string_view path, bool directory) {
  std::string normalized = TRY(NormalizeRelativePath(path));
  if (normalized == ".") return HostError{directory ? EBUSY : EISDIR};
  ParentAndLeaf at = TRY(OpenParentBeneath(fd_.get(), normalized));
  if (!directory) {
    // "name/" names a directory to POSIX; unlinking one is EISDIR or ENOTDIR.
    struct stat st;
    if (::fstatat(at.parent.get(), at.leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return LastError();
    }
    if (S_ISDIR(st.st_mode)) return HostError{EISDIR};
    if (path.back() == '/') return HostError{ENOTDIR};
  }
  if (::unlinkat(at.parent.get(), at.leaf.c_str(), directory ? AT_REMOVEDIR : 0) != 0) {
    return LastError();
  }
  return Done{};
}

ErrnoResult<Done> Directory::RenameNow(std::string_view old_path, DirectoryOps& new_dir,
                                       std::string_view new_path) {
  auto* target = dynamic_cast<Directory*>(&new_dir);
  if (target == nullptr) return HostError{EXDEV};
  std::string old_norm = TRY(NormalizeRelativePath(old_path));
  std::string new_norm = TRY(NormalizeRelativePath(new_path));
  if (old_norm == "." || new_norm == ".") return HostError{EBUSY};
  ParentAndLeaf from = TRY(OpenParentBeneath(fd_.get(), old_norm));
  ParentAndLeaf to = TRY(OpenParentBeneath(target->fd_.get(), new_norm));
  if (::renameat(from.parent.get(), from.leaf.c_str(), to.parent.get(), to.leaf.c_str()) != 0) {
    return LastError();
  }
  return Done{};
}

ErrnoResult<Done> Directory::HardLinkNow(std::string_view old_path, DirectoryOps& new_dir,
                                         std::string_view new_path) {
  auto* target = dynamic_cast<Directory*>(&new_dir);
  if (target == nullptr) return HostError{EXDEV};
  std::string old_norm = TRY(NormalizeRelativePath(old_path));
  if (old_norm == ".") return HostError{EPERM};  // A directory.
  ParentAndLeaf from = TRY(OpenParentBeneath(fd_.get(), old_norm));
  ParentAndLeaf to = TRY(NewEntryOf(target->fd_.get(), new_path));
  // No AT_SYMLINK_FOLLOW: both parents were resolved beneath, and the
  // leaves are names in them, so nothing outside is reached.
  if (::linkat(from.parent.get(), from.leaf.c_str(), to.parent.get(), to.leaf.c_str(), 0) != 0) {
    return LastError();
  }
  return Done{};
}

ErrnoResult<Done> Directory::SymlinkNow(std::string_view target, std::string_view path) {
  if (target.empty() || target.find('\0') != std::string_view::npos) return HostError{EINVAL};
  ParentAndLeaf at = TRY(NewEntryOf(fd_.get(), path));
  if (::symlinkat(std::string(target).c_str(), at.parent.get(), at.leaf.c_str()) != 0) {
    return LastError();
  }
  return Done{};
}

ErrnoResult<std::string> Directory::ReadLinkNow(std::string_view path) {
  ParentAndLeaf at = TRY(ParentOf(fd_.get(), path));
  std::string target(4096, '\0');
  ssize_t n = ::readlinkat(at.parent.get(), at.leaf.c_str(), target.data(), target.size());
  if (n < 0) return LastError();
  target.resize(size_t(n));
  return target;
}

}  // namespace shoal::kernel
