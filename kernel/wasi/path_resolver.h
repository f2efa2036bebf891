// Guest paths beneath a WASI directory: the kernel's confinement
// (kernel/object/path_beneath.h, which documents the two walls) with its
// errnos in WASI's terms. An escape attempt fails with Errno::kNotcapable (or
// kLoop/kNotdir from the fallback walk); it never reaches a file outside.
#pragma once

#include <string>
#include <string_view>

#include "kernel/object/path_beneath.h"
#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

using kernel::FollowLast;
using kernel::OpenBeneath;
using kernel::OpenParentBeneath;
using kernel::ParentAndLeaf;
using kernel::SetForceOpenatFallbackForTesting;

// kernel::NormalizeRelativePath: kNoent for an empty path, kInval for an
// embedded NUL, kNotcapable for an absolute path or one that climbs above its
// start.
ErrnoOr<std::string> NormalizeGuestPath(std::string_view path);

// A kernel ErrnoResult (OpenBeneath's, OpenParentBeneath's) as an ErrnoOr.
template <typename T>
ErrnoOr<T> FromHost(kernel::ErrnoResult<T> result) {
  if (!result.ok()) return ErrnoFromHost(result.error());
  return std::move(result).value();
}

}  // namespace shoal::wasi
