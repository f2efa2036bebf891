#include "kernel/object/path_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <vector>

namespace shoal::kernel {
namespace {

std::atomic<bool> force_fallback{false};
std::atomic<bool> openat2_missing{false};

// Splits on '/', dropping empty components.
std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Walks `path` component by component from `dirfd`, refusing symlinks
// everywhere (the last component too unless `follow` and it is no link).
ErrnoResult<UniqueFd> WalkBeneath(int dirfd, const std::string& path, int flags, mode_t mode,
                                  FollowLast follow) {
  std::vector<std::string_view> parts = Components(path);
  UniqueFd current(::openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!current.valid()) return LastError();
  if (parts.empty() || (parts.size() == 1 && parts[0] == ".")) {
    int fd = ::openat(dirfd, ".", flags | O_CLOEXEC, mode);
    if (fd < 0) return LastError();
    return UniqueFd(fd);
  }
  // Paths arrive normalized; refuse `..` anyway, as this walk has no
  // kernel-side wall behind it.
  for (std::string_view part : parts) {
    if (part == "..") return HostError{kErrnoNotCapable};
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    std::string name(parts[i]);
    int fd = ::openat(current.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return LastError();
    current = UniqueFd(fd);
  }
  // Without openat2 a followed symlink could point anywhere, so the fallback
  // never follows one: the guest sees ELOOP.
  std::string leaf(parts.back());
  int fd = ::openat(current.get(), leaf.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return LastError();
  return UniqueFd(fd);
}

}  // namespace

void SetForceOpenatFallbackForTesting(bool force) { force_fallback = force; }

ErrnoResult<std::string> NormalizeRelativePath(std::string_view path) {
  if (path.empty()) return HostError{ENOENT};
  if (path.find('\0') != std::string_view::npos) return HostError{EINVAL};
  if (path.front() == '/') return HostError{kErrnoNotCapable};
  std::vector<std::string_view> stack;
  for (std::string_view part : Components(path)) {
    if (part == ".") continue;
    if (part == "..") {
      if (stack.empty()) return HostError{kErrnoNotCapable};
      stack.pop_back();
      continue;
    }
    stack.push_back(part);
  }
  if (stack.empty()) return std::string(".");
  std::string out;
  for (std::string_view part : stack) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

ErrnoResult<UniqueFd> OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode,
                                  FollowLast follow) {
  if (follow == FollowLast::kNo) flags |= O_NOFOLLOW;
  if (!force_fallback && !openat2_missing) {
    open_how how{};
    how.flags = uint64_t(flags | O_CLOEXEC);
    // O_TMPFILE includes the O_DIRECTORY bit, so test for all of it.
    bool takes_mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
    how.mode = takes_mode ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (;;) {
      long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
      if (fd >= 0) return UniqueFd(int(fd));
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == ENOSYS) {
        openat2_missing = true;
        break;
      }
      // RESOLVE_BENEATH reports an escape (through a symlink) as EXDEV.
      if (errno == EXDEV) return HostError{kErrnoNotCapable};
      return LastError();
    }
  }
  return WalkBeneath(dirfd, path, flags, mode, follow);
}

ErrnoResult<ParentAndLeaf> OpenParentBeneath(int dirfd, const std::string& path) {
  size_t slash = path.rfind('/');
  std::string parent = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
  UniqueFd fd = TRY(OpenBeneath(dirfd, parent, O_PATH | O_DIRECTORY, 0, FollowLast::kYes));
  return ParentAndLeaf{std::move(fd), std::move(leaf)};
}

}  // namespace shoal::kernel
