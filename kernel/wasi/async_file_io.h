// Asynchronous file IO for WASI: reads, writes, syncs and metadata calls on a
// kernel File (kernel/object/file.h), local or proxied, whose operations
// complete asynchronously.
//
// Each function runs its operation through the process's PendingCall
// (kernel/base/pending_call.h): a local File that answers at once gives the
// outcome at once; otherwise the function returns kAgain with the operation
// in flight, the host call parks the process on call.TakeWait(), and the
// retried call (the same operation on the same file, offset and size, as a
// parked process retries its host call unchanged) returns the outcome. A read
// the file can serve at once (FileOps::ReadNow: a page-cache hit) lands
// straight in the caller's buffer without going through the PendingCall.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "kernel/base/pending_call.h"
#include "kernel/object/file.h"
#include "kernel/wasi/errno.h"
#include "kernel/wasi/file_object.h"

namespace shoal::wasi {

// Runs a kernel file or directory operation, `start(done)`, through `call`
// under `key` (pending_call.h): its value, its host errno as a WASI errno,
// or kAgain while it is in flight.
template <typename T, typename Key, typename Start>
ErrnoOr<T> RunFsOp(PendingCall& call, Key key, Start&& start) {
  std::optional<kernel::ErrnoResult<T>> outcome =
      call.Run<kernel::ErrnoResult<T>>(std::move(key), std::forward<Start>(start));
  if (!outcome) return Errno::kAgain;
  if (!outcome->ok()) return ErrnoFromHost(outcome->error());
  return std::move(*outcome).value();
}

// RunFsOp for an operation without a value.
template <typename Key, typename Start>
Errno RunFsChange(PendingCall& call, Key key, Start&& start) {
  ErrnoOr<kernel::Done> done =
      RunFsOp<kernel::Done>(call, std::move(key), std::forward<Start>(start));
  return done.ok() ? Errno::kSuccess : done.error();
}

// Up to buf.size() bytes (at most FileOps::kMaxTransfer) from `offset`.
ErrnoOr<size_t> ReadFileAt(PendingCall& call, const kernel::Ref<kernel::FileOps>& file,
                           std::span<uint8_t> buf, uint64_t offset);
// `offset` may be kernel::FileOps::kAppend. Writes at most kMaxTransfer.
ErrnoOr<size_t> WriteFileAt(PendingCall& call, const kernel::Ref<kernel::FileOps>& file,
                            std::span<const uint8_t> buf, uint64_t offset);
// fsync, or fdatasync for SyncScope::kDataOnly.
Errno SyncFile(PendingCall& call, const kernel::Ref<kernel::FileOps>& file, SyncScope scope);
ErrnoOr<FileStat> StatFile(PendingCall& call, const kernel::Ref<kernel::FileOps>& file);
Errno ResizeFile(PendingCall& call, const kernel::Ref<kernel::FileOps>& file, uint64_t size);

}  // namespace shoal::wasi
