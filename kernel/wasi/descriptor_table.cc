#include "kernel/wasi/descriptor_table.h"

#include "kernel/wasi/handle_rights.h"

namespace shoal::wasi {

ErrnoOr<uint32_t> DescriptorTable::Insert(Descriptor descriptor) {
  return InsertAt(LowestFree(), std::move(descriptor));
}

ErrnoOr<uint32_t> DescriptorTable::InsertAt(uint32_t fd, Descriptor descriptor) {
  auto it = entries_.find(fd);
  if (it != entries_.end()) {
    if (Live(it->second)) return Errno::kInval;
    entries_.erase(it);
  }
  if (entries_.size() >= kMaxDescriptors) DropStale();
  if (entries_.size() >= kMaxDescriptors) return Errno::kMfile;
  kernel::Rights rights = HandleRightsFor(descriptor.rights_base, descriptor.rights_inheriting);
  auto handle = handles_.Add(descriptor.object->kernel_object(), rights);
  if (!handle.ok()) return Errno::kMfile;
  return Install(fd, std::move(descriptor), *handle, rights);
}

ErrnoOr<uint32_t> DescriptorTable::Adopt(kernel::HandleValue handle, Descriptor descriptor) {
  auto entry = handles_.GetEntry(handle, kernel::Rights::kNone);
  if (!entry.ok() || entry->object != descriptor.object->kernel_object()) return Errno::kBadf;
  for (const auto& [fd, d] : entries_) {
    if (d.handle == handle && Live(d)) return fd;
  }
  if (entries_.size() >= kMaxDescriptors) DropStale();
  if (entries_.size() >= kMaxDescriptors) return Errno::kMfile;
  return Install(LowestFree(), std::move(descriptor), handle, entry->rights);
}

ErrnoOr<uint32_t> DescriptorTable::Restore(uint32_t fd, kernel::HandleValue handle,
                                           Descriptor descriptor) {
  auto entry = handles_.GetEntry(handle, kernel::Rights::kNone);
  if (!entry.ok() || entry->object != descriptor.object->kernel_object()) return Errno::kBadf;
  if (entries_.count(fd) != 0) return Errno::kInval;
  if (entries_.size() >= kMaxDescriptors) return Errno::kMfile;
  return Install(fd, std::move(descriptor), handle, entry->rights);
}

void DescriptorTable::ForEachLive(
    const std::function<void(uint32_t fd, const Descriptor&)>& visit) const {
  for (const auto& [fd, d] : entries_) {
    if (Live(d)) visit(fd, d);
  }
}

ErrnoOr<uint32_t> DescriptorTable::Install(uint32_t fd, Descriptor descriptor,
                                           kernel::HandleValue handle,
                                           kernel::Rights handle_rights) {
  Rights allowed = WasiRightsAllowedBy(handle_rights);
  descriptor.rights_base &= allowed;
  descriptor.rights_inheriting &= allowed;
  descriptor.handle = handle;
  descriptor.viewed = descriptor.object->kernel_object().get();
  entries_[fd] = std::move(descriptor);
  return fd;
}

ErrnoOr<Descriptor*> DescriptorTable::Get(uint32_t fd, Rights needed) {
  auto it = entries_.find(fd);
  if (it == entries_.end()) return Errno::kBadf;
  if (!Live(it->second)) {
    entries_.erase(it);
    return Errno::kBadf;
  }
  if ((it->second.rights_base & needed) != needed) return Errno::kNotcapable;
  return &it->second;
}

Errno DescriptorTable::Close(uint32_t fd) {
  auto it = entries_.find(fd);
  if (it == entries_.end()) return Errno::kBadf;
  Descriptor closed = std::move(it->second);
  entries_.erase(it);
  if (!Live(closed)) return Errno::kBadf;
  return handles_.Close(closed.handle).ok() ? Errno::kSuccess : Errno::kBadf;
}

Errno DescriptorTable::Renumber(uint32_t from, uint32_t to) {
  if (!Get(from).ok() || !Get(to).ok()) return Errno::kBadf;
  if (from == to) return Errno::kSuccess;
  if (Errno e = Close(to); e != Errno::kSuccess) return e;
  auto src = entries_.find(from);
  entries_[to] = std::move(src->second);
  entries_.erase(src);
  return Errno::kSuccess;
}

bool DescriptorTable::Live(const Descriptor& d) const { return handles_.Holds(d.handle, d.viewed); }

uint32_t DescriptorTable::LowestFree() {
  uint32_t fd = 0;
  for (auto it = entries_.begin(); it != entries_.end() && it->first == fd; ++it, ++fd) {
    if (!Live(it->second)) break;  // A descriptor whose handle went away frees its number.
  }
  return fd;
}

void DescriptorTable::DropStale() {
  std::erase_if(entries_, [this](const auto& entry) { return !Live(entry.second); });
}

}  // namespace shoal::wasi
