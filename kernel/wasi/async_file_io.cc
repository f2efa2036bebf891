#include "kernel/wasi/async_file_io.h"

#include <algorithm>
#include <cerrno>
#include <vector>

#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {
namespace {

using kernel::ErrnoResult;
using kernel::FileOps;
using kernel::Ref;

// One key type per operation (pending_call.h): the file and every argument.
using ReadKey = PendingKey<struct ReadTag, Ref<FileOps>, uint64_t, size_t>;
using WriteKey = PendingKey<struct WriteTag, Ref<FileOps>, uint64_t, size_t>;
using SyncKey = PendingKey<struct SyncTag, Ref<FileOps>, SyncScope>;
using StatKey = PendingKey<struct StatTag, Ref<FileOps>>;
using ResizeKey = PendingKey<struct ResizeTag, Ref<FileOps>, uint64_t>;

using Bytes = ErrnoResult<std::vector<uint8_t>>;  // ReadAsync's outcome.

}  // namespace

ErrnoOr<size_t> ReadFileAt(PendingCall& call, const Ref<FileOps>& file, std::span<uint8_t> buf,
                           uint64_t offset) {
  ReadKey key(file, offset, buf.size());
  if (!call.Holds<Bytes>(key)) {
    // A page-cache hit lands in `buf` (guest memory) at once: no park, no copy.
    ErrnoResult<size_t> now = file->ReadNow(offset, buf);
    if (now.ok()) return now.value();
    if (now.error() != EAGAIN) return ErrnoFromHost(now.error());
  }
  std::vector<uint8_t> bytes =
      TRY(RunFsOp<std::vector<uint8_t>>(call, std::move(key), [&](auto done) {
        file->ReadAsync(offset, buf.size(), std::move(done));
      }));
  size_t n = std::min(bytes.size(), buf.size());
  std::copy_n(bytes.begin(), n, buf.begin());
  return n;
}

ErrnoOr<size_t> WriteFileAt(PendingCall& call, const Ref<FileOps>& file,
                            std::span<const uint8_t> buf, uint64_t offset) {
  return RunFsOp<size_t>(call, WriteKey(file, offset, buf.size()), [&](auto done) {
    size_t n = std::min(buf.size(), FileOps::kMaxTransfer);
    file->WriteAsync(offset, std::vector<uint8_t>(buf.begin(), buf.begin() + n), std::move(done));
  });
}

Errno SyncFile(PendingCall& call, const Ref<FileOps>& file, SyncScope scope) {
  return RunFsChange(call, SyncKey(file, scope),
                     [&](auto done) { file->SyncAsync(scope, std::move(done)); });
}

ErrnoOr<FileStat> StatFile(PendingCall& call, const Ref<FileOps>& file) {
  kernel::FileAttr attr = TRY(RunFsOp<kernel::FileAttr>(
      call, StatKey(file), [&](auto done) { file->StatAsync(std::move(done)); }));
  return FileStatFromAttr(attr);
}

Errno ResizeFile(PendingCall& call, const Ref<FileOps>& file, uint64_t size) {
  return RunFsChange(call, ResizeKey(file, size),
                     [&](auto done) { file->SetSizeAsync(size, std::move(done)); });
}

}  // namespace shoal::wasi
