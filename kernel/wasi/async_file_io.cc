#include "kernel/wasi/async_file_io.h"

#include <algorithm>
#include <cerrno>

namespace shoal::wasi {

bool AsyncFileIo::Pending(bool write, uint64_t offset, size_t length) const {
  return pending_ && pending_->write == write && pending_->offset == offset &&
         pending_->length == length;
}

std::shared_ptr<AsyncFileIo::Op> AsyncFileIo::Claim(bool write, uint64_t offset, size_t length,
                                                    bool& started) {
  if (!Pending(write, offset, length)) pending_.reset();
  started = !pending_;
  if (started) {
    pending_ = std::make_shared<Op>();
    pending_->write = write;
    pending_->offset = offset;
    pending_->length = length;
  }
  return pending_;
}

ErrnoOr<size_t> AsyncFileIo::Read(kernel::FileOps& file, std::span<uint8_t> buf, uint64_t offset) {
  if (!Pending(false, offset, buf.size())) {
    // A page-cache hit lands in `buf` (guest memory) at once: no park, no copy.
    kernel::ErrnoResult<size_t> now = file.ReadNow(offset, buf);
    if (now.ok()) return now.value();
    if (now.error() != EAGAIN) return ErrnoFromHost(now.error());
  }
  bool start = false;
  std::shared_ptr<Op> op = Claim(false, offset, buf.size(), start);
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
  std::shared_ptr<Op> op = Claim(true, offset, buf.size(), start);
  if (start) {
    size_t n = std::min(buf.size(), kernel::FileOps::kMaxTransfer);
    file.Write(offset, std::vector<uint8_t>(buf.begin(), buf.begin() + n),
               [op](kernel::ErrnoResult<size_t> count) {
                 op->count = std::move(count);
                 op->wait.Complete();
               });
  }
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
