#include "kernel/wasi/file_view.h"

namespace shoal::wasi {

std::shared_ptr<FileView> FileView::Create(kernel::Ref<kernel::FileOps> file, uint16_t fdflags) {
  const uint16_t sync_flags = fdflags & (kFdflagDsync | kFdflagRsync | kFdflagSync);
  return std::shared_ptr<FileView>(new FileView(std::move(file), sync_flags));
}

ErrnoOr<size_t> FileView::Read(PendingCall& call, std::span<uint8_t> buf) {
  size_t n = TRY_ERRNO(ReadFileAt(call, file_, buf, position_));
  position_ += n;
  return n;
}

ErrnoOr<size_t> FileView::Write(PendingCall& call, std::span<const uint8_t> buf) {
  size_t n = TRY_ERRNO(WriteFileAt(call, file_, buf, position_));
  position_ += n;
  return n;
}

ErrnoOr<uint64_t> FileView::Seek(PendingCall& call, int64_t offset, Whence whence) {
  int64_t base = 0;
  switch (whence) {
    case Whence::kSet:
      break;
    case Whence::kCur:
      base = int64_t(position_);
      break;
    case Whence::kEnd:
      base = int64_t(TRY_ERRNO(Stat(call)).size);
      break;
    default:
      return Errno::kInval;
  }
  if ((offset < 0 && base + offset < 0) || (offset > 0 && base > INT64_MAX - offset)) {
    return Errno::kInval;
  }
  position_ = uint64_t(base + offset);
  return position_;
}

}  // namespace shoal::wasi
