// AsyncFileIo: WASI reads, writes and syncs on a kernel File
// (kernel/object/file.h), whose operations complete asynchronously.
//
// A read the file can serve at once (FileOps::ReadNow: a page-cache hit)
// lands straight in the caller's buffer. Otherwise a call starts the
// operation and returns kAgain; wait() is then what the process parks on
// (see io_wait.h). The retried call — the same operation,
// offset and size, as a parked process retries its host call unchanged —
// returns the outcome (a sync has no offset or size: the same kind
// suffices). A different request abandons the earlier one (its completion
// lands in a record nobody reads). One per WASI object; used by one process
// thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kernel/object/file.h"
#include "kernel/wasi/errno.h"
#include "kernel/wasi/file_object.h"
#include "kernel/wasi/io_wait.h"

namespace shoal::wasi {

class AsyncFileIo {
 public:
  ErrnoOr<size_t> Read(kernel::FileOps& file, std::span<uint8_t> buf, uint64_t offset);
  // `offset` may be kernel::FileOps::kAppend.
  ErrnoOr<size_t> Write(kernel::FileOps& file, std::span<const uint8_t> buf, uint64_t offset);
  // fsync, or fdatasync for SyncScope::kDataOnly.
  Errno Sync(kernel::FileOps& file, SyncScope scope);
  // The operation in flight, or null.
  std::shared_ptr<IoWait> wait() const;

 private:
  enum class Kind : uint8_t { kRead, kWrite, kSync, kDataSync };
  struct Op {
    Kind kind = Kind::kRead;
    uint64_t offset = 0;
    size_t length = 0;
    IoWait wait;
    // Set before wait.Complete(): the bytes read, or the count written (0
    // for a sync).
    kernel::ErrnoResult<std::vector<uint8_t>> bytes = std::vector<uint8_t>();
    kernel::ErrnoResult<size_t> count = size_t(0);
  };
  // True when the op in flight is (kind, offset, length): the call retried.
  bool Pending(Kind kind, uint64_t offset, size_t length) const;
  // The pending op for (kind, offset, length), made fresh if there is none.
  // Sets `started` when the caller must start it.
  std::shared_ptr<Op> Claim(Kind kind, uint64_t offset, size_t length, bool& started);
  // kAgain while `op` runs; then forgets it and returns its count.
  ErrnoOr<size_t> CountOf(const std::shared_ptr<Op>& op);

  std::shared_ptr<Op> pending_;
};

}  // namespace shoal::wasi
