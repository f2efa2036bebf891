// DescriptorTable: a process's WASI file descriptors, each a view of a handle
// in the process's HandleTable.
//
// A descriptor names one handle value and adds what WASI keeps per
// descriptor: the FileObject that speaks WASI for the handle's object
// (position, flags, the readdir cache), the WASI rights, and a preopen's
// guest path. The handle is the capability (ARCHITECTURE.md, invariant 2):
//   - opening a descriptor adds a handle with the rights its WASI rights call
//     for, and the WASI rights never exceed what the handle allows
//     (handle_rights.h);
//   - closing the descriptor closes the handle; renumbering keeps it;
//   - closing, replacing or sending the handle through the shoal ABI ends the
//     descriptor: it answers EBADF from then on, like a closed one.
// So descriptors and handles never disagree about what the process holds:
// the handle table says which objects a snapshot must carry.
// A process image (kernel/proc/process_image.h) carries each descriptor's
// own state (fd -> handle value, WASI rights, preopen name); handle values
// survive HandleTable::Restore(), so the pairing does too (Restore below).
//
// Threading: used by the process's thread, one call at a time; the handle
// table is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "kernel/object/handle_table.h"
#include "kernel/wasi/file_object.h"

namespace shoal::wasi {

struct Descriptor {
  std::shared_ptr<FileObject> object;
  Rights rights_base = 0;
  Rights rights_inheriting = 0;
  std::string preopen_name;  // Non-empty only for preopened directories.
  // The handle this descriptor views and its object; set by the table.
  kernel::HandleValue handle = kernel::kInvalidHandle;
  const kernel::KernelObject* viewed = nullptr;
};

class DescriptorTable {
 public:
  // Up to this many descriptors may be open at once (EMFILE after).
  static constexpr uint32_t kMaxDescriptors = 4096;

  // `handles` must outlive the table.
  explicit DescriptorTable(kernel::HandleTable& handles) : handles_(handles) {}

  // Adds a handle to descriptor.object's kernel object (HandleRightsFor its
  // WASI rights) and installs the descriptor at the lowest free number, as
  // POSIX open() does. EMFILE when either table is full.
  ErrnoOr<uint32_t> Insert(Descriptor descriptor);
  // Insert at exactly `fd`: EINVAL when it is open. For stdio at process start.
  ErrnoOr<uint32_t> InsertAt(uint32_t fd, Descriptor descriptor);
  // Installs a descriptor viewing the existing `handle` (which must name
  // descriptor.object's kernel object: EBADF otherwise), its WASI rights cut
  // to what the handle allows. A handle some descriptor views already gives
  // that descriptor's number.
  ErrnoOr<uint32_t> Adopt(kernel::HandleValue handle, Descriptor descriptor);

  // The descriptor `fd`, which must hold all of `needed` rights. Errors:
  // kBadf when `fd` is not open or its handle is gone (checked first),
  // kNotcapable when rights lack.
  ErrnoOr<Descriptor*> Get(uint32_t fd, Rights needed = 0);

  // Closes the descriptor and its handle.
  Errno Close(uint32_t fd);
  // Moves `from` onto `to` (closing what `to` held); both must be open.
  Errno Renumber(uint32_t from, uint32_t to);

  // Installs `descriptor` at exactly `fd`, viewing `handle` (which must name
  // descriptor.object's kernel object: EBADF otherwise): rebuilding a
  // restored process's table, whose handles were restored first. EINVAL
  // when `fd` is open.
  ErrnoOr<uint32_t> Restore(uint32_t fd, kernel::HandleValue handle, Descriptor descriptor);

  // Calls `visit` for each open descriptor whose handle is still there, in
  // fd order.
  void ForEachLive(const std::function<void(uint32_t fd, const Descriptor&)>& visit) const;

  // Open descriptors, counting ones whose handle went away unnoticed.
  size_t size() const { return entries_.size(); }

 private:
  // True while the descriptor's handle still names its object.
  bool Live(const Descriptor& d) const;
  ErrnoOr<uint32_t> Install(uint32_t fd, Descriptor descriptor, kernel::HandleValue handle,
                            kernel::Rights handle_rights);
  uint32_t LowestFree();
  void DropStale();

  kernel::HandleTable& handles_;
  std::map<uint32_t, Descriptor> entries_;
};

}  // namespace shoal::wasi
