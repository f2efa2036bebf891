// GuestMemory: the only way WASI host calls touch a guest's linear memory.
//
// Every guest address goes through a bounds check, and
// every multi-byte value is read and written little-endian explicitly, so the
// code is correct on any host byte order. A failed check is the guest's
// fault and becomes Errno::kFault, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/vm/runtime.h"
#include "kernel/wasi/errno.h"

namespace shoal::wasi {

// One guest buffer of an iovec array, already bounds-checked.
using GuestBuffer = std::span<uint8_t>;

class GuestMemory {
 public:
  // A view of all of `memory`, or of nothing when it is null (a module
  // without memory: every access faults). Taken at the start of a host call:
  // host calls never grow memory, so the view stays exact for the call, and
  // the checks here are the same as vm::Memory::Span()'s. Writable views go
  // through Span() so that dirty-page tracking sees the writes.
  explicit GuestMemory(vm::Memory* memory)
      : memory_(memory),
        bytes_(memory ? std::span<uint8_t>(memory->data(), memory->size_bytes())
                      : std::span<uint8_t>()) {}
  // A view of plain bytes standing in for linear memory (tests).
  explicit GuestMemory(std::span<uint8_t> bytes) : bytes_(bytes) {}

  // The bytes [addr, addr + len), or nullopt when out of bounds. The caller
  // may write them: their pages count as written (vm::Memory::Span()).
  std::optional<std::span<uint8_t>> Bytes(uint64_t addr, uint64_t len) const;

  ErrnoOr<uint8_t> Load8(uint64_t addr) const;
  ErrnoOr<uint16_t> Load16(uint64_t addr) const;
  ErrnoOr<uint32_t> Load32(uint64_t addr) const;
  ErrnoOr<uint64_t> Load64(uint64_t addr) const;
  Errno Store8(uint64_t addr, uint8_t v) const;
  Errno Store16(uint64_t addr, uint16_t v) const;
  Errno Store32(uint64_t addr, uint32_t v) const;
  Errno Store64(uint64_t addr, uint64_t v) const;
  // Copies `bytes` to [addr, addr + bytes.size()).
  Errno Write(uint64_t addr, std::span<const uint8_t> bytes) const;

  // A guest string of `len` bytes (not NUL-terminated), copied out so that it
  // stays valid if the guest's memory changes.
  ErrnoOr<std::string> String(uint64_t addr, uint64_t len) const;

  // Resolves an array of `count` iovecs at `iovs` into checked buffers. Fails
  // with kFault if the array or any buffer is out of bounds, kInval if the
  // total length overflows 32 bits.
  ErrnoOr<std::vector<GuestBuffer>> Iovecs(uint64_t iovs, uint32_t count) const;

 private:
  // Bytes() for reading only: marks nothing.
  std::optional<std::span<const uint8_t>> View(uint64_t addr, uint64_t len) const;

  vm::Memory* memory_ = nullptr;  // Null for plain bytes.
  std::span<uint8_t> bytes_;
};

// Little-endian encoding into host byte buffers (for building structures
// before one checked Write()).
void PutLe16(uint8_t* p, uint16_t v);
void PutLe32(uint8_t* p, uint32_t v);
void PutLe64(uint8_t* p, uint64_t v);
uint16_t GetLe16(const uint8_t* p);
uint32_t GetLe32(const uint8_t* p);
uint64_t GetLe64(const uint8_t* p);

}  // namespace shoal::wasi
