// Linear memory: one address-space reservation per memory, committed as it
// grows, so the base never moves and the interpreter may cache it. The
// reservation starts with the dirty-page map (runtime.h, class Memory).
#include <sys/mman.h>

#include <algorithm>
#include <cstring>

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
  // PROT_NONE + MAP_NORESERVE costs address space only, not memory; the map
  // is readable and writable, and its pages are committed when first marked.
  void* p = mmap(nullptr, kDirtyMapBytes + memory->reserved_, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    return MakeError(Status::kNoMemory, "cannot reserve address space for linear memory");
  }
  if (mprotect(p, kDirtyMapBytes, PROT_READ | PROT_WRITE) != 0) {
    munmap(p, kDirtyMapBytes + memory->reserved_);
    return MakeError(Status::kNoMemory, "cannot map the dirty-page map of linear memory");
  }
  memory->base_ = static_cast<uint8_t*>(p) + kDirtyMapBytes;
  // Not Grow(): nothing needs the initial pages marked (StartDirtyTracking()
  // reports every page), and an untouched memory then costs no map page.
  if (type.limits.min > 0 && !memory->Commit(uint32_t(type.limits.min))) {
    return MakeError(Status::kNoMemory, "cannot commit the initial linear memory");
  }
  return memory;
}

Memory::~Memory() {
  void* start = base_ - kDirtyMapBytes;
  const uint64_t bytes = kDirtyMapBytes + reserved_;
  if (release_hook_ &&
      mmap(start, bytes, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
           0) != MAP_FAILED) {
    if (release_hook_(start, bytes)) return;
  }
  munmap(start, bytes);
}

std::optional<uint32_t> Memory::Grow(uint32_t delta) {
  const uint64_t size = size_bytes();
  const uint32_t old_pages = pages();
  const uint64_t new_pages = uint64_t(old_pages) + delta;
  if (new_pages > max_pages()) return std::nullopt;
  // The new pages are marked before Commit() publishes the size, so a taker
  // that sees the new size also sees them dirty. (Marks beyond the size are
  // harmless: a take scans the current size only.)
  MarkWritten(size, uint64_t(delta) * kPageSize);
  if (!Commit(delta)) return std::nullopt;
  return old_pages;
}

uint32_t Memory::max_pages() const {
  const uint64_t type_max = std::min<uint64_t>(type_.limits.max.value_or(kMaxPages), kMaxPages);
  return uint32_t(std::min<uint64_t>({type_max, reserved_ / kPageSize, page_cap_}));
}

void Memory::SwapContents(Memory& other) {
  std::swap(base_, other.base_);
  std::swap(reserved_, other.reserved_);
  const uint64_t size = size_.load(std::memory_order_relaxed);
  size_.store(other.size_.load(std::memory_order_relaxed), std::memory_order_release);
  other.size_.store(size, std::memory_order_release);
  const bool all = report_all_.load(std::memory_order_relaxed);
  report_all_.store(other.report_all_.load(std::memory_order_relaxed));
  other.report_all_.store(all);
  std::swap(spans_, other.spans_);
  std::swap(release_hook_, other.release_hook_);
}

bool Memory::Commit(uint32_t delta) {
  const uint64_t size = size_bytes();
  const uint64_t new_size = size + uint64_t(delta) * kPageSize;
  if (delta > 0 && mprotect(base_ + size, new_size - size, PROT_READ | PROT_WRITE) != 0) {
    return false;
  }
  size_.store(new_size, std::memory_order_release);
  return true;
}

std::optional<std::span<uint8_t>> Memory::Span(uint64_t addr, uint64_t len) {
  // Written so that no sum can overflow: addr <= size and len <= size - addr.
  const uint64_t size = size_bytes();
  if (addr > size || len > size - addr) return std::nullopt;
  // The caller writes after this returns, so a mark now could be taken
  // before the write; the range is marked again by MarkSpansWritten() when
  // the host call returns. The early mark covers callers outside host calls
  // that forget MarkWritten().
  MarkWritten(addr, len);
  if (len > 0) spans_.push_back({addr, len});
  return std::span<uint8_t>(base_ + addr, len);
}

void Memory::MarkSpansWritten() {
  for (const auto& [addr, len] : spans_) MarkWritten(addr, len);
  spans_.clear();
}

std::vector<uint32_t> Memory::TakeDirtyPages(Taker taker) {
  const bool all = report_all_.exchange(false, std::memory_order_relaxed);
  const uint64_t pages = size_.load(std::memory_order_acquire) / kDirtyPageSize;
  uint8_t* map = base_ - kDirtyMapBytes;
  std::vector<uint32_t> dirty;
  if (all) dirty.reserve(pages);
  uint64_t p = 0;
  if (taker == Taker::kOwnThread && !all) {
    // Plain loads: nothing writes the map meanwhile. A block of 64 clean
    // pages costs eight word loads, which the compiler merges.
    constexpr uint64_t kBlock = 64;
    for (; p + kBlock <= pages; p += kBlock) {
      uint64_t words[kBlock / 8];
      std::memcpy(words, map + p, kBlock);
      uint64_t any = 0;
      for (uint64_t word : words) any |= word;
      if (any == 0) continue;
      for (uint64_t i = p; i < p + kBlock; ++i) {
        if (map[i] == 0) continue;
        map[i] = 0;
        dirty.push_back(uint32_t(i));
      }
    }
  }
  for (; p < pages; ++p) {
    std::atomic_ref<uint8_t> mark(map[p]);
    // The relaxed load skips clean pages without a locked instruction; a set
    // byte is cleared by the acquire exchange that pairs with the marker.
    const bool written = mark.load(std::memory_order_relaxed) != 0 &&
                         mark.exchange(0, std::memory_order_acquire) != 0;
    if (written || all) dirty.push_back(uint32_t(p));
  }
  return dirty;
}

}  // namespace shoal::vm
