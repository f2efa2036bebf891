// Linear memory: one address-space reservation per memory, committed as it
// grows, so the base never moves and the interpreter may cache it.
#include <sys/mman.h>

#include <algorithm>

#include "kernel/vm/runtime.h"

namespace shoal::vm {

Result<std::unique_ptr<Memory>> Memory::Create(MemoryType type) {
  const uint64_t max_pages = std::min<uint64_t>(type.limits.max.value_or(kMaxPages), kMaxPages);
  if (type.limits.min > max_pages) {
    return MakeError(Status::kInvalidArgs, "memory minimum exceeds its maximum");
  }
  std::unique_ptr<Memory> memory(new Memory());
  memory->type_ = type;
  memory->reserved_ = max_pages * kPageSize;
  if (memory->reserved_ > 0) {
    // PROT_NONE + MAP_NORESERVE costs address space only, not memory.
    void* p = mmap(nullptr, memory->reserved_, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      return MakeError(Status::kNoMemory, "cannot reserve address space for linear memory");
    }
    memory->base_ = static_cast<uint8_t*>(p);
  }
  if (type.limits.min > 0 && !memory->Grow(uint32_t(type.limits.min))) {
    return MakeError(Status::kNoMemory, "cannot commit the initial linear memory");
  }
  return memory;
}

Memory::~Memory() {
  if (base_ != nullptr) munmap(base_, reserved_);
}

std::optional<uint32_t> Memory::Grow(uint32_t delta) {
  const uint32_t old_pages = pages();
  const uint64_t new_pages = uint64_t(old_pages) + delta;
  if (new_pages * kPageSize > reserved_ || new_pages > page_cap_) return std::nullopt;
  if (delta > 0 &&
      mprotect(base_ + size_, uint64_t(delta) * kPageSize, PROT_READ | PROT_WRITE) != 0) {
    return std::nullopt;
  }
  size_ = new_pages * kPageSize;
  return old_pages;
}

std::optional<std::span<uint8_t>> Memory::Span(uint64_t addr, uint64_t len) {
  // Written so that no sum can overflow: addr <= size_ and len <= size_ - addr.
  if (addr > size_ || len > size_ - addr) return std::nullopt;
  return std::span<uint8_t>(base_ + addr, len);
}

}  // namespace shoal::vm
