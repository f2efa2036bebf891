// Resolving guest paths beneath a directory, so that a process can never
// name a host file outside the directories it was given.
//
// Two independent walls:
//  1. Lexical: NormalizeGuestPath() rejects absolute paths and any `..` that
//     would climb above the starting directory, before the host sees the path.
//  2. Kernel-enforced: OpenBeneath() opens with openat2(RESOLVE_BENEATH), so
//     symlinks (and `..` inside their targets) cannot leave the directory
//     either. Where openat2 is unavailable it walks the path one component at
//     a time with O_NOFOLLOW, refusing every symlink.
// An escape attempt fails with Errno::kNotcapable (or kLoop/kNotdir from the
// fallback walk); it never reaches a file outside.
#pragma once

#include <string>
#include <string_view>

#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

// Returns `path` as a relative path of plain components joined by '/', with
// `.` components and redundant slashes dropped and `..` applied lexically;
// "." when nothing remains. Errors: kNoent for an empty path, kInval for an
// embedded NUL, kNotcapable for an absolute path or one that climbs above
// its start.
ErrnoOr<std::string> NormalizeGuestPath(std::string_view path);

// How OpenBeneath treats a symlink in the last component.
enum class FollowLast : uint8_t { kNo, kYes };

// Opens the normalized `path` beneath directory `dirfd` with open(2) `flags`
// (O_CLOEXEC is added) and `mode`.
ErrnoOr<UniqueFd> OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode,
                              FollowLast follow);

// The directory holding the last component of a normalized path, opened
// beneath `dirfd`, and that component. For "." the directory is `dirfd`'s
// own and the leaf ".".
struct ParentAndLeaf {
  UniqueFd parent;
  std::string leaf;
};
ErrnoOr<ParentAndLeaf> OpenParentBeneath(int dirfd, const std::string& path);

// Test hook: forces the component-walk fallback even where openat2 exists.
void SetForceOpenatFallbackForTesting(bool force);

}  // namespace shoal::wasi
