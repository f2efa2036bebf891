#include "kernel/wasi/handle_rights.h"

namespace shoal::wasi {
namespace {

constexpr Rights kReadClass = kRightFdRead | kRightFdReaddir | kRightPathOpen | kRightPathReadlink |
                              kRightPathFilestatGet | kRightPathLinkSource;
constexpr Rights kWriteClass =
    kRightFdWrite | kRightFdSync | kRightFdDatasync | kRightFdAllocate | kRightFdFilestatSetSize |
    kRightFdFilestatSetTimes | kRightPathCreateDirectory | kRightPathCreateFile |
    kRightPathLinkTarget | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatSetSize | kRightPathFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile;
constexpr Rights kEitherClass = kRightsAll & ~kReadClass & ~kWriteClass;

}  // namespace

Rights WasiRightsAllowedBy(kernel::Rights rights) {
  bool read = kernel::Contains(rights, kernel::Rights::kRead);
  bool write = kernel::Contains(rights, kernel::Rights::kWrite);
  Rights out = (read || write) ? kEitherClass : 0;
  if (read) out |= kReadClass;
  if (write) out |= kWriteClass;
  return out;
}

kernel::Rights HandleRightsFor(Rights base, Rights inheriting) {
  Rights all = base | inheriting;
  kernel::Rights out =
      kernel::Rights::kDuplicate | kernel::Rights::kTransfer | kernel::Rights::kWait;
  if (all & kReadClass) out |= kernel::Rights::kRead;
  if (all & kWriteClass) out |= kernel::Rights::kWrite;
  return out;
}

}  // namespace shoal::wasi
