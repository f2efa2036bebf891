#include "kernel/wasi/path_resolver.h"

namespace shoal::wasi {

ErrnoOr<std::string> NormalizeGuestPath(std::string_view path) {
  return FromHost(kernel::NormalizeRelativePath(path));
}

}  // namespace shoal::wasi
