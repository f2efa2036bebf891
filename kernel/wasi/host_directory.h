// HostDirectory: a directory as a FileObject, and the root of every path
// operation a process performs through it. A view of a kernel DirectoryOps
// (kernel/object/directory.h), local or proxied, which does the confined
// path work; this class speaks WASI (flags, errnos, the readdir cache).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/file_io.h"
#include "kernel/base/pending_call.h"
#include "kernel/object/directory.h"
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
// directory; the kernel directory resolves it beneath itself
// (path_beneath.h), so nothing outside the directory can be reached.
//
// Waiting: the calls that reach the kernel directory run through the
// process's PendingCall (file_object.h): kAgain with the call in flight
// parks the process, and the retried call collects the outcome. A local
// Directory answers at once. Setting times and fd_sync use the host
// descriptor, so they work on a local Directory only (ENOTSUP otherwise).
class HostDirectory : public FileObject {
 public:
  // Opens a host directory (a preopen). Errors carry the host errno mapped.
  // Regular files opened beneath it read through `io` when it is given (see
  // host_file.h); `io` must outlive them.
  static ErrnoOr<std::shared_ptr<HostDirectory>> OpenHost(const std::string& host_path,
                                                          FileIo* io = nullptr);
  // A view of a directory object (e.g. one received as a handle); with
  // `poll_streams` (under the kernel) FIFOs opened beneath a local one park
  // on polls.
  static std::shared_ptr<HostDirectory> Adopt(kernel::Ref<kernel::DirectoryOps> dir,
                                              bool poll_streams);

  Filetype type() const override { return Filetype::kDirectory; }
  Rights max_rights() const override { return kDirectoryRights | kFileRights; }
  ErrnoOr<FileStat> Stat(PendingCall& call) override;
  // Still a blocking host call (TODO(async): a directory sync on the reactor).
  Errno Sync(PendingCall& call, SyncScope scope) override;
  HostDirectory* AsDirectory() override { return this; }
  kernel::Ref<kernel::KernelObject> kernel_object() const override { return dir_; }
  Errno SetTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) override;

  // The entries of the directory (including "." and ".."), re-read from the
  // directory when `refresh` is set (fd_readdir with cookie 0) or nothing is
  // cached, and cached between calls so that cookies stay stable while the
  // guest pages through them.
  ErrnoOr<const std::vector<DirEntry>*> Entries(PendingCall& call, bool refresh);

  ErrnoOr<std::shared_ptr<FileObject>> Open(PendingCall& call, std::string_view path,
                                            const OpenRequest& request);
  Errno CreateDirectory(PendingCall& call, std::string_view path);
  Errno RemoveDirectory(PendingCall& call, std::string_view path);
  Errno UnlinkFile(PendingCall& call, std::string_view path);
  ErrnoOr<FileStat> StatPath(PendingCall& call, std::string_view path, bool follow);
  Errno SetTimesPath(std::string_view path, bool follow, uint64_t atim_ns, uint64_t mtim_ns,
                     uint16_t fstflags);
  Errno Rename(PendingCall& call, std::string_view old_path, HostDirectory& new_dir,
               std::string_view new_path);
  // A hard link at `new_path` beneath `new_dir` to `old_path` here; a
  // symlink at `old_path` is linked, not followed (DirectoryOps::HardLinkAsync).
  Errno Link(PendingCall& call, std::string_view old_path, HostDirectory& new_dir,
             std::string_view new_path);
  // Creates a symlink at `path` holding `target`, which is never resolved
  // here: opening through it resolves it beneath this directory.
  Errno Symlink(PendingCall& call, std::string_view target, std::string_view path);
  ErrnoOr<std::string> ReadLink(PendingCall& call, std::string_view path);

 private:
  HostDirectory(kernel::Ref<kernel::DirectoryOps> dir, bool poll_streams);

  kernel::Ref<kernel::DirectoryOps> dir_;
  kernel::Directory* local_;  // dir_, when it is a local Directory; else null.
  bool poll_streams_;         // Under the kernel: FIFOs and devices park on polls.
  std::vector<DirEntry> entries_;
  bool entries_cached_ = false;
};

}  // namespace shoal::wasi
