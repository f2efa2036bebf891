#include "kernel/wasi/file_view.h"

namespace shoal::wasi {

std::shared_ptr<FileView> FileView::Create(kernel::Ref<kernel::FileOps> file, uint16_t fdflags,
                                           uint64_t position) {
  const uint16_t flags = fdflags & (kFdflagAppend | kFdflagDsync | kFdflagRsync | kFdflagSync);
  return std::shared_ptr<FileView>(new FileView(std::move(file), flags, position));
}

ErrnoOr<size_t> FileView::Read(PendingCall& call, std::span<uint8_t> buf) {
  if (at_end_) return size_t(0);
  size_t n = TRY(ReadFileAt(call, file_, buf, position_));
  position_ += n;
  return n;
}

ErrnoOr<size_t> FileView::Write(PendingCall& call, std::span<const uint8_t> buf) {
  if (append()) {
    size_t n = TRY(WriteFileAt(call, file_, buf, kernel::FileOps::kAppend));
    at_end_ = true;
    return n;
  }
  size_t n = TRY(WriteFileAt(call, file_, buf, position_));
  position_ += n;
  return n;
}

ErrnoOr<uint64_t> FileView::Seek(PendingCall& call, int64_t offset, Whence whence) {
  int64_t base = 0;
  switch (whence) {
    case Whence::kSet:
      break;
    case Whence::kCur:
      if (at_end_) {
        base = int64_t(TRY(Stat(call)).size);
        break;
      }
      base = int64_t(position_);
      break;
    case Whence::kEnd:
      base = int64_t(TRY(Stat(call)).size);
      break;
    default:
      return Errno::kInval;
  }
  if ((offset < 0 && base + offset < 0) || (offset > 0 && base > INT64_MAX - offset)) {
    return Errno::kInval;
  }
  position_ = uint64_t(base + offset);
  at_end_ = false;
  return position_;
}

}  // namespace shoal::wasi
