// HostDirectory: a host directory as a FileObject, and the root of every
// path operation a process performs through it. A view of a kernel
// Directory object (kernel/object/directory.h), which does the confined
// path work; this class speaks WASI (flags, errnos, the readdir cache).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/object/directory.h"
#include "kernel/object/file_io.h"
#include "kernel/wasi/host_fs.h"

namespace shoal::wasi {

// What path_open asks for, already decoded from WASI flags and rights.
struct OpenRequest {
  uint16_t oflags = 0;   // kOflag*
  uint16_t fdflags = 0;  // kFdflag*
  bool read = false;
  bool write = false;
  bool follow = true;  // Follow a symlink in the last component.
};

// Every path given to these functions is a guest path relative to this
// directory; the kernel Directory resolves it beneath itself
// (path_beneath.h), so nothing outside the directory can be reached.
class HostDirectory : public FileObject {
 public:
  // Opens a host directory (a preopen). Errors carry the host errno mapped.
  // Regular files opened beneath it read through `io` when it is given (see
  // host_file.h); `io` must outlive them.
  static ErrnoOr<std::shared_ptr<HostDirectory>> OpenHost(const std::string& host_path,
                                                          kernel::FileIo* io = nullptr);
  // A view of a local Directory (e.g. one received as a handle); with
  // `poll_streams` (under the kernel) FIFOs opened beneath it park on polls.
  static std::shared_ptr<HostDirectory> Adopt(kernel::Ref<kernel::Directory> dir,
                                              bool poll_streams);

  Filetype type() const override { return Filetype::kDirectory; }
  Rights max_rights() const override { return kDirectoryRights | kFileRights; }
  ErrnoOr<FileStat> Stat() override { return StatFd(fd()); }
  // Still a blocking host call (TODO(async): a directory sync on the reactor).
  Errno Sync(SyncScope scope) override;
  HostDirectory* AsDirectory() override { return this; }
  kernel::Ref<kernel::KernelObject> kernel_object() const override { return dir_; }
  Errno SetTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) override {
    return SetFdTimes(fd(), atim_ns, mtim_ns, fstflags);
  }

  // The entries of the directory (including "." and ".."), re-read from the
  // host when `refresh` is set (fd_readdir with cookie 0) and cached between
  // calls so that cookies stay stable while the guest pages through them.
  ErrnoOr<const std::vector<DirEntry>*> Entries(bool refresh);

  ErrnoOr<std::shared_ptr<FileObject>> Open(std::string_view path, const OpenRequest& request);
  Errno CreateDirectory(std::string_view path);
  Errno RemoveDirectory(std::string_view path);
  Errno UnlinkFile(std::string_view path);
  ErrnoOr<FileStat> StatPath(std::string_view path, bool follow);
  Errno SetTimesPath(std::string_view path, bool follow, uint64_t atim_ns, uint64_t mtim_ns,
                     uint16_t fstflags);
  Errno Rename(std::string_view old_path, HostDirectory& new_dir, std::string_view new_path);

 private:
  HostDirectory(kernel::Ref<kernel::Directory> dir, bool poll_streams)
      : dir_(std::move(dir)), poll_streams_(poll_streams) {}
  int fd() const { return dir_->host_fd(); }

  kernel::Ref<kernel::Directory> dir_;
  bool poll_streams_;  // Under the kernel: FIFOs and devices park on polls.
  std::vector<DirEntry> entries_;
};

}  // namespace shoal::wasi
