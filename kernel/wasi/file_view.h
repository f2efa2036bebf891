// FileView: a WASI descriptor over a kernel File handle (shoal_fd_from_handle).
//
// The File may be local or a proxy of one served elsewhere; the view keeps
// the descriptor's position and flags. A process that moved with a file open
// holds such a view of its proxy (kernel/proc/checkpoint.cc). Every operation on the File goes
// through async_file_io.h, so the process parks while a read, write, sync,
// stat or truncation is in flight and no worker waits.
#pragma once

#include <memory>

#include "kernel/object/file.h"
#include "kernel/wasi/async_file_io.h"
#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

class FileView : public FileObject {
 public:
  // `fdflags`: the flags the file was opened with; the durability ones
  // (DSYNC, RSYNC, SYNC) are what flags() reports, as the File behind a
  // proxy holds them where it was opened and cannot be asked.
  // `position` may be kAtEnd (a view restored after an append).
  static std::shared_ptr<FileView> Create(kernel::Ref<kernel::FileOps> file, uint16_t fdflags = 0,
                                          uint64_t position = 0);

  Filetype type() const override { return Filetype::kRegularFile; }
  // What a File can do; the descriptor table cuts it to the handle's rights.
  Rights max_rights() const override { return kViewRights; }
  ErrnoOr<size_t> Read(PendingCall& call, std::span<uint8_t> buf) override;
  ErrnoOr<size_t> Write(PendingCall& call, std::span<const uint8_t> buf) override;
  ErrnoOr<size_t> Pread(PendingCall& call, std::span<uint8_t> buf, uint64_t offset) override {
    return ReadFileAt(call, file_, buf, offset);
  }
  ErrnoOr<size_t> Pwrite(PendingCall& call, std::span<const uint8_t> buf,
                         uint64_t offset) override {
    return WriteFileAt(call, file_, buf, offset);
  }
  // SEEK_END asks the File for its size, which may park.
  ErrnoOr<uint64_t> Seek(PendingCall& call, int64_t offset, Whence whence) override;
  ErrnoOr<FileStat> Stat(PendingCall& call) override { return StatFile(call, file_); }
  Errno SetSize(PendingCall& call, uint64_t size) override { return ResizeFile(call, file_, size); }
  Errno Sync(PendingCall& call, SyncScope scope) override { return SyncFile(call, file_, scope); }
  uint16_t flags() const override { return flags_; }
  std::optional<uint64_t> Position() const override { return at_end_ ? kAtEnd : position_; }
  kernel::Ref<kernel::KernelObject> kernel_object() const override { return file_; }

 private:
  static constexpr Rights kViewRights = kRightFdRead | kRightFdWrite | kRightFdSeek | kRightFdTell |
                                        kRightFdFilestatGet | kRightFdAdvise |
                                        kRightPollFdReadwrite | kRightFdFilestatSetSize |
                                        kRightFdSync | kRightFdDatasync;

  FileView(kernel::Ref<kernel::FileOps> file, uint16_t flags, uint64_t position)
      : file_(std::move(file)),
        flags_(flags),
        position_(position == kAtEnd ? 0 : position),
        at_end_(position == kAtEnd) {}
  bool append() const { return (flags_ & kFdflagAppend) != 0; }

  kernel::Ref<kernel::FileOps> file_;
  // APPEND and the durability flags (DSYNC, RSYNC, SYNC).
  const uint16_t flags_;
  uint64_t position_ = 0;
  // An append put the position at the end of the file, wherever that is now:
  // a read there finds nothing, and Seek asks the File for its size.
  bool at_end_ = false;
};

}  // namespace shoal::wasi
