// File: a host file beneath a preopened root, as a kernel object.
//
// Positional: every read and write names its offset (a WASI descriptor keeps
// its own position in the view above the handle), so one File may be shared
// by handles in several processes without a shared cursor.
//
// Asynchronous: every operation but ReadNow is an `...Async` virtual that
// starts the operation and calls `done` exactly once with the outcome,
// possibly before it returns, otherwise on another thread (the reactor's,
// for a local File's data; the connection's, for a proxy). A caller on a
// worker thread therefore never blocks on a file: it parks until `done`
// runs. Read, Write, Sync, Stat and SetSize are the blocking forms (see
// object.h for the convention).
//
// Errors are host errnos (errno_result.h). Signals: none (a regular file is
// always ready; readiness of pipes is the reactor's Poll).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/base/file_io.h"
#include "kernel/base/unique_fd.h"
#include "kernel/object/errno_result.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

// stat(2) data that a WASI filestat needs; `mode` carries the S_IFMT type bits
// and the permission bits.
struct FileAttr {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t mode = 0;
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t atim_ns = 0;
  uint64_t mtim_ns = 0;
  uint64_t ctim_ns = 0;
};

// fstat() as a FileAttr.
ErrnoResult<FileAttr> StatHostFd(int fd);

// The operations of a file, local or proxied. Rights: Read and Stat need
// kRead; Write, Sync and SetSize need kWrite (the handle table checks them
// for local objects, the object server for proxied ones).
class FileOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kFile;
  // One Read or Write moves at most this much (a wire message's worth).
  static constexpr size_t kMaxTransfer = 1 << 20;
  // Write's `offset` meaning "at the end": only for a file opened for append.
  static constexpr uint64_t kAppend = UINT64_MAX;

  using ReadDone = std::function<void(ErrnoResult<std::vector<uint8_t>> bytes)>;
  using WriteDone = std::function<void(ErrnoResult<size_t> written)>;
  using SyncDone = std::function<void(ErrnoResult<Done> synced)>;
  using StatDone = std::function<void(ErrnoResult<FileAttr> attr)>;
  using SetSizeDone = std::function<void(ErrnoResult<Done> resized)>;

  // Up to `max_bytes` (at most kMaxTransfer) from `offset`; fewer at the end
  // of the file, none past it.
  virtual void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) = 0;
  // Writes `bytes` (at most kMaxTransfer) at `offset`, or appends them when
  // `offset` is kAppend (EINVAL unless the file was opened for append).
  // Reports how many were written.
  virtual void WriteAsync(uint64_t offset, std::vector<uint8_t> bytes, WriteDone done) = 0;
  // fsync, or fdatasync for SyncScope::kDataOnly.
  virtual void SyncAsync(SyncScope scope, SyncDone done) = 0;
  virtual void StatAsync(StatDone done) = 0;
  // ftruncate: the file's size becomes `size`.
  virtual void SetSizeAsync(uint64_t size, SetSizeDone done) = 0;

  // Read, but only if it can complete at once without waiting for a device
  // (a local file's page-cache hit), straight into `buffer` (at most
  // kMaxTransfer bytes): the count, or EAGAIN when the caller must use
  // ReadAsync. Never blocks; a proxy always answers EAGAIN (it would wait
  // for the wire).
  virtual ErrnoResult<size_t> ReadNow(uint64_t offset, std::span<uint8_t> buffer) {
    return HostError{EAGAIN};
  }

  // Blocking forms (object.h): never on a scheduler worker.
  ErrnoResult<std::vector<uint8_t>> Read(uint64_t offset, size_t max_bytes) {
    return Await<ErrnoResult<std::vector<uint8_t>>>(
        [&](ReadDone done) { ReadAsync(offset, max_bytes, std::move(done)); });
  }
  ErrnoResult<size_t> Write(uint64_t offset, std::vector<uint8_t> bytes) {
    return Await<ErrnoResult<size_t>>(
        [&](WriteDone done) { WriteAsync(offset, std::move(bytes), std::move(done)); });
  }
  ErrnoResult<Done> Sync(SyncScope scope) {
    return Await<ErrnoResult<Done>>([&](SyncDone done) { SyncAsync(scope, std::move(done)); });
  }
  ErrnoResult<FileAttr> Stat() {
    return Await<ErrnoResult<FileAttr>>([&](StatDone done) { StatAsync(std::move(done)); });
  }
  ErrnoResult<Done> SetSize(uint64_t size) {
    return Await<ErrnoResult<Done>>([&](SetSizeDone done) { SetSizeAsync(size, std::move(done)); });
  }

 protected:
  using KernelObject::KernelObject;
};

// The local file: an owned host descriptor opened through a Directory (so it
// names a file beneath some preopened root), with data IO on `io`.
class File final : public FileOps {
 public:
  // `io` must outlive the file and its operations in flight.
  static Ref<File> Adopt(UniqueFd fd, FileIo& io, bool append);

  void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) override;
  void WriteAsync(uint64_t offset, std::vector<uint8_t> bytes, WriteDone done) override;
  void SyncAsync(SyncScope scope, SyncDone done) override;
  ErrnoResult<size_t> ReadNow(uint64_t offset, std::span<uint8_t> buffer) override;
  // Metadata answers at once, on the calling thread (a host fstat or
  // ftruncate).
  void StatAsync(StatDone done) override { done(StatHostFd(fd_.get())); }
  void SetSizeAsync(uint64_t size, SetSizeDone done) override;

  // The host descriptor, for the reactor's readiness polls (pipes, FIFOs).
  int host_fd() const { return fd_.get(); }

 private:
  File(UniqueFd fd, FileIo& io, bool append)
      : FileOps(ObjectType::kFile), fd_(std::move(fd)), io_(io), append_(append) {}
  Ref<File> self() { return std::static_pointer_cast<File>(shared_from_this()); }

  const UniqueFd fd_;
  FileIo& io_;
  const bool append_;
};

}  // namespace shoal::kernel
