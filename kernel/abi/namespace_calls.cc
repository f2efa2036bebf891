// namespace_open.
#include <string>

#include "kernel/abi/abi.h"
#include "kernel/object/namespace.h"

namespace shoal::kernel::abi {
namespace {

// The call's key (kernel/base/pending_call.h): the namespace is the
// process's own, so the path and rights name the open.
using OpenKey = PendingKey<struct OpenTag, std::string, Rights>;

}  // namespace

// namespace_open(path_ptr, path_len, rights, handle_out_ptr) -> 0; the new
// handle is stored as a u32 at handle_out_ptr. The path (no NUL terminator)
// is resolved in the caller's own namespace only; a provider that answers
// later (one on another node) parks the caller meanwhile. Errors: -4 for a
// path not in normal form (docs/abi.md), over 4096 bytes, or unknown rights
// bits; -5 for bad pointers; -9 when nothing is bound there; -3 when the
// binding does not grant `rights`; -6 when the handle table is full.
Result<int32_t> NamespaceOpen(AbiCall& c) {
  uint32_t path_ptr = c.U32(0), path_len = c.U32(1), out_ptr = c.U32(3);
  Rights rights = Rights(c.U32(2));
  if (path_len > Namespace::kMaxPathBytes) {
    return MakeError(Status::kInvalidArgs, "path longer than 4096 bytes");
  }
  if (!IsSubset(rights, Rights::kAll)) return MakeError(Status::kInvalidArgs, "unknown rights");
  std::span<uint8_t> path_bytes = TRY(c.Bytes(path_ptr, path_len));
  TRY(c.Bytes(out_ptr, 4));
  std::string path(reinterpret_cast<const char*>(path_bytes.data()), path_bytes.size());
  std::optional<Result<HandleEntry>> opened = c.RunPending<Result<HandleEntry>>(
      OpenKey(path, rights),
      [&](auto done) { c.process.ns().OpenAsync(path, rights, std::move(done)); });
  if (!opened) return 0;  // Parked until the provider answers.
  HandleEntry entry = TRY(std::move(*opened));
  HandleValue h = TRY(c.process.handles().Add(std::move(entry.object), entry.rights));
  TRY(c.Store32(out_ptr, h));
  return 0;
}

}  // namespace shoal::kernel::abi
