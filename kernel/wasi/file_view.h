// FileView: a WASI descriptor over a kernel File handle (shoal_fd_from_handle).
//
// The File may be local or a proxy of one served elsewhere; the view keeps
// the descriptor's position and flags. Every operation on the File goes
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
  static std::shared_ptr<FileView> Create(kernel::Ref<kernel::FileOps> file, uint16_t fdflags = 0);

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
  uint16_t flags() const override { return sync_flags_; }
  kernel::Ref<kernel::KernelObject> kernel_object() const override { return file_; }

 private:
  static constexpr Rights kViewRights = kRightFdRead | kRightFdWrite | kRightFdSeek | kRightFdTell |
                                        kRightFdFilestatGet | kRightFdAdvise |
                                        kRightPollFdReadwrite | kRightFdFilestatSetSize |
                                        kRightFdSync | kRightFdDatasync;

  FileView(kernel::Ref<kernel::FileOps> file, uint16_t sync_flags)
      : file_(std::move(file)), sync_flags_(sync_flags) {}

  kernel::Ref<kernel::FileOps> file_;
  const uint16_t sync_flags_;
  uint64_t position_ = 0;
};

}  // namespace shoal::wasi
