#include "kernel/wasi/file_view.h"

namespace shoal::wasi {
namespace {

constexpr Rights kEitherRights =
    kRightFdSeek | kRightFdTell | kRightFdFilestatGet | kRightFdAdvise | kRightPollFdReadwrite;
constexpr Rights kReadRights = kRightFdRead;
constexpr Rights kWriteRights =
    kRightFdWrite | kRightFdFilestatSetSize | kRightFdSync | kRightFdDatasync;

}  // namespace

Rights WasiRightsFor(kernel::Rights rights) {
  bool read = kernel::Contains(rights, kernel::Rights::kRead);
  bool write = kernel::Contains(rights, kernel::Rights::kWrite);
  Rights out = (read || write) ? kEitherRights : 0;
  if (read) out |= kReadRights;
  if (write) out |= kWriteRights;
  return out;
}

kernel::Rights HandleRightsFor(Rights rights) {
  kernel::Rights out =
      kernel::Rights::kDuplicate | kernel::Rights::kTransfer | kernel::Rights::kWait;
  if (rights & kRightFdRead) out |= kernel::Rights::kRead;
  if (rights & kRightFdWrite) out |= kernel::Rights::kWrite;
  return out;
}

std::shared_ptr<FileView> FileView::Create(kernel::Ref<kernel::FileOps> file,
                                           kernel::Rights rights) {
  return std::shared_ptr<FileView>(new FileView(std::move(file), rights));
}

ErrnoOr<size_t> FileView::Read(std::span<uint8_t> buf) {
  size_t n = TRY_ERRNO(io_.Read(*file_, buf, position_));
  position_ += n;
  return n;
}

ErrnoOr<size_t> FileView::Write(std::span<const uint8_t> buf) {
  size_t n = TRY_ERRNO(io_.Write(*file_, buf, position_));
  position_ += n;
  return n;
}

ErrnoOr<uint64_t> FileView::Seek(int64_t offset, Whence whence) {
  int64_t base = 0;
  switch (whence) {
    case Whence::kSet:
      break;
    case Whence::kCur:
      base = int64_t(position_);
      break;
    case Whence::kEnd:
      base = int64_t(TRY_ERRNO(Stat()).size);
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

ErrnoOr<FileStat> FileView::Stat() {
  kernel::ErrnoResult<kernel::FileAttr> attr = file_->Stat();
  if (!attr.ok()) return ErrnoFromHost(attr.error());
  return FileStatFromAttr(*attr);
}

Errno FileView::SetSize(uint64_t size) {
  kernel::ErrnoResult<kernel::Done> done = file_->SetSize(size);
  return done.ok() ? Errno::kSuccess : ErrnoFromHost(done.error());
}

}  // namespace shoal::wasi
