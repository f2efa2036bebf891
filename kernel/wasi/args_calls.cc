// args_* and environ_*: the process's argument and environment strings.
#include "kernel/wasi/host_calls.h"

namespace shoal::wasi {
namespace {

// Writes the pointer array at `ptrs` and the NUL-terminated strings at `buf`.
Errno StoreStrings(const GuestMemory& memory, const std::vector<std::string>& strings,
                   uint32_t ptrs, uint32_t buf) {
  uint64_t at = buf;
  for (size_t i = 0; i < strings.size(); ++i) {
    if (at > UINT32_MAX) return Errno::kFault;
    if (Errno e = memory.Store32(uint64_t(ptrs) + 4 * i, uint32_t(at)); e != Errno::kSuccess)
      return e;
    const std::string& s = strings[i];
    // c_str() includes the terminating NUL the guest expects.
    if (Errno e = memory.Write(at, {reinterpret_cast<const uint8_t*>(s.c_str()), s.size() + 1});
        e != Errno::kSuccess)
      return e;
    at += s.size() + 1;
  }
  return Errno::kSuccess;
}

Errno StoreSizes(const GuestMemory& memory, const std::vector<std::string>& strings,
                 uint32_t count_ptr, uint32_t size_ptr) {
  uint64_t total = 0;
  for (const std::string& s : strings) total += s.size() + 1;
  if (total > UINT32_MAX) return Errno::kOverflow;
  if (Errno e = memory.Store32(count_ptr, uint32_t(strings.size())); e != Errno::kSuccess) return e;
  return memory.Store32(size_ptr, uint32_t(total));
}

}  // namespace

Errno ArgsGet(WasiCall& c) { return StoreStrings(c.memory, c.process.args(), c.U32(0), c.U32(1)); }

Errno ArgsSizesGet(WasiCall& c) {
  return StoreSizes(c.memory, c.process.args(), c.U32(0), c.U32(1));
}

Errno EnvironGet(WasiCall& c) {
  return StoreStrings(c.memory, c.process.env(), c.U32(0), c.U32(1));
}

Errno EnvironSizesGet(WasiCall& c) {
  return StoreSizes(c.memory, c.process.env(), c.U32(0), c.U32(1));
}

}  // namespace shoal::wasi
