// fd_from_handle, handle_from_fd: where handles and WASI descriptors meet.
// Every descriptor is a view of a handle (kernel/wasi/descriptor_table.h);
// these calls name the pairing from either side.
#include "kernel/abi/abi.h"
#include "kernel/object/directory.h"
#include "kernel/wasi/file_view.h"
#include "kernel/wasi/host_directory.h"

namespace shoal::kernel::abi {

// fd_from_handle(h) -> a WASI fd viewing handle `h`: a File (a FileView at
// position 0) or a Directory (a HostDirectory, to open paths beneath; not a
// preopen, so a C program registers it with __wasilibc_register_preopened_fd
// to use it by path). Either may be local or proxied: calls through the fd
// park while a proxied object answers. `h` stays in the table under the same
// value: closing the fd closes h, and closing, replacing or sending h ends
// the fd. A handle that a descriptor views already gives that descriptor.
// Needs kRead or kWrite; the fd's WASI rights are what h's rights allow.
// kNoMemory when the descriptor table is full.
Result<int32_t> FdFromHandle(AbiCall& c) {
  HandleValue h = c.U32(0);
  HandleEntry entry = TRY(c.process.handles().GetEntry(h, Rights::kNone));
  ObjectType type = entry.object->type();
  if (type != ObjectType::kFile && type != ObjectType::kDirectory) {
    return MakeError(Status::kWrongType, "not a file or directory handle");
  }
  if (!Contains(entry.rights, Rights::kRead) && !Contains(entry.rights, Rights::kWrite)) {
    return MakeError(Status::kAccessDenied, "handle can neither read nor write");
  }
  wasi::Descriptor descriptor;
  if (type == ObjectType::kFile) {
    descriptor.object = wasi::FileView::Create(std::static_pointer_cast<FileOps>(entry.object));
    descriptor.rights_base = descriptor.object->max_rights();
  } else {
    descriptor.object = wasi::HostDirectory::Adopt(
        std::static_pointer_cast<DirectoryOps>(entry.object), /*poll_streams=*/true);
    descriptor.rights_base = wasi::kDirectoryRights;
    descriptor.rights_inheriting = wasi::kDirectoryRights | wasi::kFileRights;
  }
  wasi::ErrnoOr<uint32_t> fd = c.process.wasi().fds().Adopt(h, std::move(descriptor));
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
