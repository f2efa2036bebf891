#include "kernel/wasi/guest_memory.h"

#include <cstring>

namespace shoal::wasi {

void PutLe16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}
void PutLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
void PutLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint16_t GetLe16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t GetLe32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t GetLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::optional<std::span<uint8_t>> GuestMemory::Bytes(uint64_t addr, uint64_t len) const {
  if (!View(addr, len)) return std::nullopt;
  // Through Span(), which marks the pages written for dirty-page tracking.
  if (memory_ != nullptr) return memory_->Span(addr, len);
  return bytes_.subspan(size_t(addr), size_t(len));
}

std::optional<std::span<const uint8_t>> GuestMemory::View(uint64_t addr, uint64_t len) const {
  // Written so that addr + len cannot overflow.
  if (addr > bytes_.size() || len > bytes_.size() - addr) return std::nullopt;
  return std::span<const uint8_t>(bytes_.subspan(size_t(addr), size_t(len)));
}

ErrnoOr<uint8_t> GuestMemory::Load8(uint64_t addr) const {
  auto b = View(addr, 1);
  if (!b) return Errno::kFault;
  return (*b)[0];
}
ErrnoOr<uint16_t> GuestMemory::Load16(uint64_t addr) const {
  auto b = View(addr, 2);
  if (!b) return Errno::kFault;
  return GetLe16(b->data());
}
ErrnoOr<uint32_t> GuestMemory::Load32(uint64_t addr) const {
  auto b = View(addr, 4);
  if (!b) return Errno::kFault;
  return GetLe32(b->data());
}
ErrnoOr<uint64_t> GuestMemory::Load64(uint64_t addr) const {
  auto b = View(addr, 8);
  if (!b) return Errno::kFault;
  return GetLe64(b->data());
}

Errno GuestMemory::Store8(uint64_t addr, uint8_t v) const {
  return Write(addr, std::span<const uint8_t>(&v, 1));
}
Errno GuestMemory::Store16(uint64_t addr, uint16_t v) const {
  uint8_t buf[2];
  PutLe16(buf, v);
  return Write(addr, buf);
}
Errno GuestMemory::Store32(uint64_t addr, uint32_t v) const {
  uint8_t buf[4];
  PutLe32(buf, v);
  return Write(addr, buf);
}
Errno GuestMemory::Store64(uint64_t addr, uint64_t v) const {
  uint8_t buf[8];
  PutLe64(buf, v);
  return Write(addr, buf);
}

Errno GuestMemory::Write(uint64_t addr, std::span<const uint8_t> bytes) const {
  auto b = Bytes(addr, bytes.size());
  if (!b) return Errno::kFault;
  if (!bytes.empty()) std::memmove(b->data(), bytes.data(), bytes.size());
  return Errno::kSuccess;
}

ErrnoOr<std::string> GuestMemory::String(uint64_t addr, uint64_t len) const {
  auto b = View(addr, len);
  if (!b) return Errno::kFault;
  return std::string(reinterpret_cast<const char*>(b->data()), b->size());
}

ErrnoOr<std::vector<GuestBuffer>> GuestMemory::Iovecs(uint64_t iovs, uint32_t count) const {
  auto array = View(iovs, uint64_t(count) * kIovecSize);
  if (!array) return Errno::kFault;
  std::vector<GuestBuffer> buffers;
  buffers.reserve(count);
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* entry = array->data() + uint64_t(i) * kIovecSize;
    uint32_t buf = GetLe32(entry);
    uint32_t len = GetLe32(entry + 4);
    auto span = Bytes(buf, len);
    if (!span) return Errno::kFault;
    total += len;
    if (total > UINT32_MAX) return Errno::kInval;
    buffers.push_back(*span);
  }
  return buffers;
}

}  // namespace shoal::wasi
