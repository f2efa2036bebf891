// FileObject: the kernel object a WASI descriptor is a view of.
//
// Each descriptor is a view of a handle (descriptor_table.h); its FileObject
// is the WASI face of the handle's kernel object: it keeps what WASI needs
// per descriptor (position, flags, a readdir cache) and turns WASI calls into
// the object's operations. The implementations are StdioStream (Console and
// stdin Device), HostFile and HostDirectory (local File and Directory) and
// FileView (any File, local or proxied). Each operation has one definition
// here; defaults refuse it with the errno POSIX gives for the wrong kind of
// file.
//
// Waiting: an operation that may have to wait for another thread (a file
// read on the reactor, a directory or file on another node) takes the
// process's PendingCall (kernel/base/pending_call.h). kAgain from it with
// call.TakeWait() set means the operation is in flight: the host call parks
// the process on that wait and is retried, unchanged, when it completes. A
// FIFO or device that is not ready answers kAgain with poll_fd() to wait on
// instead.
//
// Threading: an object is used by one process thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel/base/pending_call.h"
#include "kernel/object/file.h"
#include "kernel/wasi/errno.h"
#include "kernel/wasi/wasi_abi.h"

namespace shoal::wasi {

// filestat, as WASI reports it.
struct FileStat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  Filetype type = Filetype::kUnknown;
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t atim_ns = 0;
  uint64_t mtim_ns = 0;
  uint64_t ctim_ns = 0;
};

// One directory entry, as fd_readdir reports it.
struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  Filetype type = Filetype::kUnknown;
};

class HostDirectory;

class FileObject {
 public:
  virtual ~FileObject() = default;

  virtual Filetype type() const = 0;
  // Rights a descriptor for this object may hold at most.
  virtual Rights max_rights() const = 0;

  // Reads up to buf.size() bytes at the current position. kAgain means no
  // data is available yet or the read is in flight (see above).
  virtual ErrnoOr<size_t> Read(PendingCall& call, std::span<uint8_t> buf) { return Errno::kBadf; }
  virtual ErrnoOr<size_t> Write(PendingCall& call, std::span<const uint8_t> buf) {
    return Errno::kBadf;
  }
  virtual ErrnoOr<size_t> Pread(PendingCall& call, std::span<uint8_t> buf, uint64_t offset) {
    return Errno::kSpipe;
  }
  virtual ErrnoOr<size_t> Pwrite(PendingCall& call, std::span<const uint8_t> buf, uint64_t offset) {
    return Errno::kSpipe;
  }
  // Moves the position; returns the new one.
  virtual ErrnoOr<uint64_t> Seek(PendingCall& call, int64_t offset, Whence whence) {
    return Errno::kSpipe;
  }
  virtual ErrnoOr<FileStat> Stat(PendingCall& call) = 0;
  virtual Errno SetSize(PendingCall& call, uint64_t size) { return Errno::kInval; }
  virtual Errno Sync(PendingCall& call, SyncScope scope) { return Errno::kSuccess; }
  // Changes fdflags (only append and nonblock are meaningful here).
  virtual Errno SetFlags(uint16_t fdflags) { return Errno::kSuccess; }
  virtual uint16_t flags() const { return 0; }
  // A regular file's position as it stands, without waiting (what a
  // checkpoint records): kAtEnd after an append put it at the end of a file
  // whose size it does not know; nullopt for what has no position.
  static constexpr uint64_t kAtEnd = UINT64_MAX;
  virtual std::optional<uint64_t> Position() const { return std::nullopt; }
  virtual Errno Allocate(uint64_t offset, uint64_t len) { return Errno::kNotsup; }
  // Sets access and modification times (see FileTimes in host_fs.h).
  virtual Errno SetTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags) {
    return Errno::kBadf;
  }

  // The host descriptor to poll while a Read() or Write() returned kAgain
  // with no operation in flight, or -1 (then kAgain is the guest's answer:
  // nothing to wait on, or it asked for FDFLAGS_NONBLOCK).
  virtual int poll_fd() const { return -1; }
  // The kernel object this is the WASI face of; the descriptor's handle
  // names it (descriptor_table.h). Never null, and the same for life.
  virtual kernel::Ref<kernel::KernelObject> kernel_object() const = 0;

  // Non-null when this object is a directory (path_* calls need one).
  virtual HostDirectory* AsDirectory() { return nullptr; }
};

}  // namespace shoal::wasi
