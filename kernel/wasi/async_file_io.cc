#include "kernel/wasi/async_file_io.h"

#include <algorithm>
#include <cerrno>

namespace shoal::wasi {

bool AsyncFileIo::Pending(Kind kind, uint64_t offset, size_t length) const {
  return pending_ && pending_->kind == kind && pending_->offset == offset &&
         pending_->length == length;
}

std::shared_ptr<AsyncFileIo::Op> AsyncFileIo::Claim(Kind kind, uint64_t offset, size_t length,
                                                    bool& started) {
  if (!Pending(kind, offset, length)) pending_.reset();
  started = !pending_;
  if (started) {
    pending_ = std::make_shared<Op>();
    pending_->kind = kind;
    pending_->offset = offset;
    pending_->length = length;
  }
  return pending_;
}

ErrnoOr<size_t> AsyncFileIo::Read(kernel::FileOps& file, std::span<uint8_t> buf, uint64_t offset) {
  if (!Pending(Kind::kRead, offset, buf.size())) {
    // A page-cache hit lands in `buf` (guest memory) at once: no park, no copy.
    kernel::ErrnoResult<size_t> now = file.ReadNow(offset, buf);
    if (now.ok()) return now.value();
    if (now.error() != EAGAIN) return ErrnoFromHost(now.error());
  }
  bool start = false;
  std::shared_ptr<Op> op = Claim(Kind::kRead, offset, buf.size(), start);
  if (start) {
    file.Read(offset, buf.size(), [op](kernel::ErrnoResult<std::vector<uint8_t>> bytes) {
      op->bytes = std::move(bytes);
      op->wait.Complete();  // Publishes `bytes` to whoever sees done().
    });
  }
  if (!op->wait.done()) return Errno::kAgain;
  pending_.reset();
  if (!op->bytes.ok()) return ErrnoFromHost(op->bytes.error());
  const std::vector<uint8_t>& bytes = op->bytes.value();
  size_t n = std::min(bytes.size(), buf.size());
  std::copy_n(bytes.begin(), n, buf.begin());
  return n;
}

ErrnoOr<size_t> AsyncFileIo::Write(kernel::FileOps& file, std::span<const uint8_t> buf,
                                   uint64_t offset) {
  bool start = false;
  std::shared_ptr<Op> op = Claim(Kind::kWrite, offset, buf.size(), start);
  if (start) {
    size_t n = std::min(buf.size(), kernel::FileOps::kMaxTransfer);
    file.Write(offset, std::vector<uint8_t>(buf.begin(), buf.begin() + n),
               [op](kernel::ErrnoResult<size_t> count) {
                 op->count = std::move(count);
                 op->wait.Complete();
               });
  }
  return CountOf(op);
}

Errno AsyncFileIo::Sync(kernel::FileOps& file, SyncScope scope) {
  const bool data_only = scope == SyncScope::kDataOnly;
  bool start = false;
  std::shared_ptr<Op> op = Claim(data_only ? Kind::kDataSync : Kind::kSync, 0, 0, start);
  if (start) {
    file.Sync(data_only, [op](kernel::ErrnoResult<kernel::Done> synced) {
      op->count =
          synced.ok() ? kernel::ErrnoResult<size_t>(size_t(0)) : kernel::HostError{synced.error()};
      op->wait.Complete();
    });
  }
  ErrnoOr<size_t> done = CountOf(op);
  return done.ok() ? Errno::kSuccess : done.error();
}

ErrnoOr<size_t> AsyncFileIo::CountOf(const std::shared_ptr<Op>& op) {
  if (!op->wait.done()) return Errno::kAgain;
  pending_.reset();
  if (!op->count.ok()) return ErrnoFromHost(op->count.error());
  return op->count.value();
}

std::shared_ptr<IoWait> AsyncFileIo::wait() const {
  if (!pending_) return nullptr;
  return std::shared_ptr<IoWait>(pending_, &pending_->wait);
}

}  // namespace shoal::wasi
