// fd_from_handle, handle_from_fd: where handles and WASI descriptors meet.
// Every descriptor is a view of a handle (kernel/wasi/descriptor_table.h);
// these calls name the pairing from either side.
#include "kernel/abi/abi.h"
#include "kernel/wasi/file_view.h"

namespace shoal::kernel::abi {

// fd_from_handle(h) -> a WASI fd viewing File handle `h` (a FileView at
// position 0). `h` stays in the table under the same value: closing the fd
// closes h, and closing, replacing or sending h ends the fd. A handle that
// a descriptor views already gives that descriptor. Needs kRead or kWrite;
// the fd's WASI rights are what h's rights allow. kNoMemory when the
// descriptor table is full.
Result<int32_t> FdFromHandle(AbiCall& c) {
  HandleValue h = c.U32(0);
  HandleEntry entry = TRY(c.process.handles().GetEntry(h, Rights::kNone));
  if (entry.object->type() != ObjectType::kFile) {
    return MakeError(Status::kWrongType, "not a file handle");
  }
  if (!Contains(entry.rights, Rights::kRead) && !Contains(entry.rights, Rights::kWrite)) {
    return MakeError(Status::kAccessDenied, "file handle can neither read nor write");
  }
  auto view = wasi::FileView::Create(std::static_pointer_cast<FileOps>(entry.object));
  wasi::Rights rights = view->max_rights();
  wasi::ErrnoOr<uint32_t> fd =
      c.process.wasi().fds().Adopt(h, wasi::Descriptor{std::move(view), rights, 0, ""});
  if (!fd.ok()) return MakeError(Status::kNoMemory, "too many open descriptors");
  return int32_t(fd.value());
}

// handle_from_fd(fd) -> the handle `fd` views: the same value every time,
// no new handle. Closing or sending it ends the fd; duplicate it first to
// keep both. kBadHandle for a descriptor that is not open.
Result<int32_t> HandleFromFd(AbiCall& c) {
  wasi::ErrnoOr<wasi::Descriptor*> d = c.process.wasi().fds().Get(c.U32(0));
  if (!d.ok()) return MakeError(Status::kBadHandle, "descriptor is not open");
  return int32_t(d.value()->handle);
}

}  // namespace shoal::kernel::abi
