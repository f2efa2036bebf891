// namespace_open.
#include "kernel/abi/abi.h"
#include "kernel/object/namespace.h"

namespace shoal::kernel::abi {

// namespace_open(path_ptr, path_len, rights, handle_out_ptr) -> 0; the new
// handle is stored as a u32 at handle_out_ptr. The path (no NUL terminator)
// is resolved in the caller's own namespace only. Errors: -4 for a path not
// in normal form (docs/abi.md), over 4096 bytes, or unknown rights bits; -5
// for bad pointers; -9 when nothing is bound there; -3 when the binding does
// not grant `rights`; -6 when the handle table is full.
Result<int32_t> NamespaceOpen(AbiCall& c) {
  uint32_t path_ptr = c.U32(0), path_len = c.U32(1), out_ptr = c.U32(3);
  Rights rights = Rights(c.U32(2));
  if (path_len > Namespace::kMaxPathBytes) {
    return MakeError(Status::kInvalidArgs, "path longer than 4096 bytes");
  }
  if (!IsSubset(rights, Rights::kAll)) return MakeError(Status::kInvalidArgs, "unknown rights");
  std::span<uint8_t> path = TRY(c.Bytes(path_ptr, path_len));
  TRY(c.Bytes(out_ptr, 4));
  HandleEntry entry = TRY(c.process.ns().Open(
      std::string_view(reinterpret_cast<const char*>(path.data()), path.size()), rights));
  HandleValue h = TRY(c.process.handles().Add(std::move(entry.object), entry.rights));
  TRY(c.Store32(out_ptr, h));
  return 0;
}

}  // namespace shoal::kernel::abi
