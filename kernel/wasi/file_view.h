// FileView: a WASI descriptor over a kernel File handle (shoal_fd_from_handle).
//
// The File may be local or a proxy of one served elsewhere; the view keeps
// the descriptor's position and flags, and reads and writes go through
// AsyncFileIo, as do fd_sync and fd_datasync, so the process parks while
// they run and no worker waits.
#pragma once

#include <memory>

#include "kernel/object/file.h"
#include "kernel/wasi/async_file_io.h"
#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

class FileView : public FileObject {
 public:
  static std::shared_ptr<FileView> Create(kernel::Ref<kernel::FileOps> file);

  Filetype type() const override { return Filetype::kRegularFile; }
  // What a File can do; the descriptor table cuts it to the handle's rights.
  Rights max_rights() const override { return kViewRights; }
  ErrnoOr<size_t> Read(std::span<uint8_t> buf) override;
  ErrnoOr<size_t> Write(std::span<const uint8_t> buf) override;
  ErrnoOr<size_t> Pread(std::span<uint8_t> buf, uint64_t offset) override {
    return io_.Read(*file_, buf, offset);
  }
  ErrnoOr<size_t> Pwrite(std::span<const uint8_t> buf, uint64_t offset) override {
    return io_.Write(*file_, buf, offset);
  }
  ErrnoOr<uint64_t> Seek(int64_t offset, Whence whence) override;
  ErrnoOr<FileStat> Stat() override;
  Errno SetSize(uint64_t size) override;
  Errno Sync(SyncScope scope) override { return io_.Sync(*file_, scope); }
  std::shared_ptr<IoWait> io_wait() const override { return io_.wait(); }
  kernel::Ref<kernel::KernelObject> kernel_object() const override { return file_; }

 private:
  static constexpr Rights kViewRights = kRightFdRead | kRightFdWrite | kRightFdSeek | kRightFdTell |
                                        kRightFdFilestatGet | kRightFdAdvise |
                                        kRightPollFdReadwrite | kRightFdFilestatSetSize |
                                        kRightFdSync | kRightFdDatasync;

  explicit FileView(kernel::Ref<kernel::FileOps> file) : file_(std::move(file)) {}

  kernel::Ref<kernel::FileOps> file_;
  uint64_t position_ = 0;
  AsyncFileIo io_;
};

}  // namespace shoal::wasi
