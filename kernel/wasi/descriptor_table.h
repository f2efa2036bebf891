// DescriptorTable: a process's WASI file descriptors.
//
// A descriptor is a view of a FileObject plus the rights this view holds,
// the per-process capability of ARCHITECTURE.md invariant 2: a process can
// reach exactly the objects in its table, with exactly these rights. A
// preopen also carries the guest path it is advertised under.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "kernel/wasi/file_object.h"

namespace shoal::wasi {

struct Descriptor {
  std::shared_ptr<FileObject> object;
  Rights rights_base = 0;
  Rights rights_inheriting = 0;
  std::string preopen_name;  // Non-empty only for preopened directories.
};

class DescriptorTable {
 public:
  // Up to this many descriptors may be open at once (EMFILE after).
  static constexpr uint32_t kMaxDescriptors = 4096;

  // Installs at the lowest free number, as POSIX open() does.
  ErrnoOr<uint32_t> Insert(Descriptor descriptor);
  // Installs at exactly `fd` (replacing what was there); for stdio setup.
  void InsertAt(uint32_t fd, Descriptor descriptor);

  // The descriptor `fd`, which must hold all of `needed` rights. Errors:
  // kBadf when `fd` is not open (checked first), kNotcapable when rights lack.
  ErrnoOr<Descriptor*> Get(uint32_t fd, Rights needed = 0);

  Errno Close(uint32_t fd);
  // Moves `from` onto `to` (closing what `to` held); both must be open.
  Errno Renumber(uint32_t from, uint32_t to);

  size_t size() const { return entries_.size(); }

 private:
  std::map<uint32_t, Descriptor> entries_;
};

}  // namespace shoal::wasi
