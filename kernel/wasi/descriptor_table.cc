#include "kernel/wasi/descriptor_table.h"

namespace shoal::wasi {

ErrnoOr<uint32_t> DescriptorTable::Insert(Descriptor descriptor) {
  if (entries_.size() >= kMaxDescriptors) return Errno::kMfile;
  uint32_t fd = 0;
  for (const auto& [used, unused] : entries_) {
    if (used != fd) break;
    ++fd;
  }
  entries_[fd] = std::move(descriptor);
  return fd;
}

void DescriptorTable::InsertAt(uint32_t fd, Descriptor descriptor) {
  entries_[fd] = std::move(descriptor);
}

ErrnoOr<Descriptor*> DescriptorTable::Get(uint32_t fd, Rights needed) {
  auto it = entries_.find(fd);
  if (it == entries_.end()) return Errno::kBadf;
  if ((it->second.rights_base & needed) != needed) return Errno::kNotcapable;
  return &it->second;
}

Errno DescriptorTable::Close(uint32_t fd) {
  return entries_.erase(fd) == 1 ? Errno::kSuccess : Errno::kBadf;
}

Errno DescriptorTable::Renumber(uint32_t from, uint32_t to) {
  auto src = entries_.find(from);
  if (src == entries_.end() || !entries_.contains(to)) return Errno::kBadf;
  if (from == to) return Errno::kSuccess;
  Descriptor moved = std::move(src->second);
  entries_.erase(src);
  entries_[to] = std::move(moved);
  return Errno::kSuccess;
}

}  // namespace shoal::wasi
