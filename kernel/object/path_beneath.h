// Resolving paths beneath a directory, so that a holder of a Directory handle
// can never name a host file outside it (ARCHITECTURE.md, invariant 2).
//
// Two independent walls:
//  1. Lexical: NormalizeRelativePath() rejects absolute paths and any `..`
//     that would climb above the starting directory, before the host sees
//     the path.
//  2. Kernel-enforced: OpenBeneath() opens with openat2(RESOLVE_BENEATH), so
//     symlinks (and `..` inside their targets) cannot leave the directory
//     either. Where openat2 is unavailable it walks the path one component at
//     a time with O_NOFOLLOW, refusing every symlink.
// An escape attempt fails with kErrnoNotCapable (or ELOOP/ENOTDIR from the
// fallback walk); it never reaches a file outside.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "kernel/base/unique_fd.h"
#include "kernel/object/errno_result.h"

namespace shoal::kernel {

// Returns `path` as a relative path of plain components joined by '/', with
// `.` components and redundant slashes dropped and `..` applied lexically;
// "." when nothing remains. Errors: ENOENT for an empty path, EINVAL for an
// embedded NUL, kErrnoNotCapable for an absolute path or one that climbs above
// its start.
ErrnoResult<std::string> NormalizeRelativePath(std::string_view path);

// How OpenBeneath treats a symlink in the last component.
enum class FollowLast : uint8_t { kNo, kYes };

// Opens the normalized `path` beneath directory `dirfd` with open(2) `flags`
// (O_CLOEXEC is added) and `mode`.
ErrnoResult<UniqueFd> OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode,
                                  FollowLast follow);

// The directory holding the last component of a normalized path, opened
// beneath `dirfd`, and that component. For "." the directory is `dirfd`'s
// own and the leaf ".".
struct ParentAndLeaf {
  UniqueFd parent;
  std::string leaf;
};
ErrnoResult<ParentAndLeaf> OpenParentBeneath(int dirfd, const std::string& path);

// Test hook: forces the component-walk fallback even where openat2 exists.
void SetForceOpenatFallbackForTesting(bool force);

}  // namespace shoal::kernel
