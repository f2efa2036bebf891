// fd_from_handle, handle_from_fd: where handles and WASI descriptors meet.
#include "kernel/abi/abi.h"
#include "kernel/wasi/file_view.h"

namespace shoal::kernel::abi {

// fd_from_handle(h) -> WASI fd. `h` must be a File handle with kRead or
// kWrite; it moves into the new descriptor (a FileView at position 0, with
// the WASI rights the handle's rights allow) and leaves the handle table.
// kNoMemory when the descriptor table is full (the handle then stays).
Result<int32_t> FdFromHandle(AbiCall& c) {
  HandleValue h = c.U32(0);
  HandleEntry entry = TRY(c.process.handles().GetEntry(h, Rights::kNone));
  if (entry.object->type() != ObjectType::kFile) {
    return MakeError(Status::kWrongType, "not a file handle");
  }
  if (!Contains(entry.rights, Rights::kRead) && !Contains(entry.rights, Rights::kWrite)) {
    return MakeError(Status::kAccessDenied, "file handle can neither read nor write");
  }
  auto file = std::static_pointer_cast<FileOps>(entry.object);
  wasi::Rights rights = wasi::WasiRightsFor(entry.rights);
  wasi::Descriptor descriptor{wasi::FileView::Create(std::move(file), entry.rights), rights, 0, ""};
  wasi::ErrnoOr<uint32_t> fd = c.process.wasi().fds().Insert(std::move(descriptor));
  if (!fd.ok()) return MakeError(Status::kNoMemory, "too many open descriptors");
  TRY(c.process.handles().Close(h));
  return int32_t(fd.value());
}

// handle_from_fd(fd) -> a new File handle to the file `fd` views; the fd
// stays open. The handle's rights follow the descriptor's (kRead for
// fd_read, kWrite for fd_write) plus duplicate, transfer and wait, never more
// than the file's own handle had. kBadHandle for a descriptor that is not
// open, kNotSupported for one that is no kernel File (stdio, directories).
Result<int32_t> HandleFromFd(AbiCall& c) {
  wasi::ErrnoOr<wasi::Descriptor*> d = c.process.wasi().fds().Get(c.U32(0));
  if (!d.ok()) return MakeError(Status::kBadHandle, "descriptor is not open");
  Ref<FileOps> file = d.value()->object->kernel_file();
  if (!file) return MakeError(Status::kNotSupported, "descriptor is not a kernel file");
  Rights rights = wasi::HandleRightsFor(d.value()->rights_base);
  if (auto* view = dynamic_cast<wasi::FileView*>(d.value()->object.get())) {
    rights =
        rights & (view->handle_rights() | Rights::kDuplicate | Rights::kTransfer | Rights::kWait);
  }
  return int32_t(TRY(c.process.handles().Add(std::move(file), rights)));
}

}  // namespace shoal::kernel::abi
