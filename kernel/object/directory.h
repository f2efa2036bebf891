// Directory: a host directory beneath a preopened root, as a kernel object.
//
// Every path a Directory takes is relative to it and is resolved with
// path_beneath.h, so no path reaches a file outside the root the directory
// was opened from (ARCHITECTURE.md, invariant 2): absolute paths, `..` above
// the directory and symlinks pointing out all fail with kErrnoNotCapable.
//
// Rights: kRead allows looking entries up (Open, StatAt, ReadLink) and
// listing them (ReadDir); kWrite allows changing them (creating files,
// MakeDirectory, Unlink, Rename, Symlink). Open gives the new object at most
// the directory's own rights.
//
// The operations are metadata calls on the local filesystem and answer at
// once; data IO goes through File's asynchronous operations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/unique_fd.h"
#include "kernel/object/errno_result.h"
#include "kernel/object/file.h"
#include "kernel/object/file_io.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

// How Open opens: open(2)'s flags, decoded.
struct OpenOptions {
  bool read = false;
  bool write = false;
  bool create = false;
  bool exclusive = false;  // With create: fail if the entry exists.
  bool truncate = false;
  bool directory = false;  // Fail unless the entry is a directory.
  bool append = false;
  bool sync = false;       // O_SYNC.
  bool data_sync = false;  // O_DSYNC.
  bool follow = true;      // Follow a symlink in the last component.

  // Packed into a word, for the wire.
  uint32_t Pack() const;
  static OpenOptions Unpack(uint32_t bits);
};

// One directory entry; `mode` has the S_IFMT bits only (0 when unknown).
struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  uint32_t mode = 0;
};

// Lists host directory `dirfd` ("." and ".." included) through a fresh
// descriptor, so no shared position of `dirfd` moves.
ErrnoResult<std::vector<DirEntry>> ReadHostDirectory(int dirfd);

// The operations of a directory, local or proxied (rights above).
class DirectoryOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kDirectory;

  // Opens `path`; the new File or Directory gets `rights` ∩ `granted`, where
  // `granted` is the rights of the caller's handle to this directory.
  // Creating an entry (create) or opening for writing needs kWrite in
  // `granted`, else kErrnoNotCapable. The result is a handle entry for the
  // caller's table.
  virtual ErrnoResult<HandleEntry> Open(std::string_view path, const OpenOptions& options,
                                        Rights rights, Rights granted) = 0;
  virtual ErrnoResult<FileAttr> Stat() = 0;
  virtual ErrnoResult<FileAttr> StatAt(std::string_view path, bool follow) = 0;
  // Every entry, "." and ".." included, in the host's order.
  virtual ErrnoResult<std::vector<DirEntry>> ReadDir() = 0;
  virtual ErrnoResult<Done> MakeDirectory(std::string_view path) = 0;
  // unlink(2), or rmdir(2) when `directory`. The directory itself (".") is
  // never removed (EBUSY).
  virtual ErrnoResult<Done> Unlink(std::string_view path, bool directory) = 0;
  // Moves `old_path` here to `new_path` beneath `new_dir`, which must be of
  // the same kind as this one (both local, or proxies of one connection);
  // else EXDEV.
  virtual ErrnoResult<Done> Rename(std::string_view old_path, DirectoryOps& new_dir,
                                   std::string_view new_path) = 0;
  // Creates a symlink at `path` holding `target` (never resolved here; a
  // later open resolves it beneath the directory it is opened through).
  virtual ErrnoResult<Done> Symlink(std::string_view target, std::string_view path) = 0;
  virtual ErrnoResult<std::string> ReadLink(std::string_view path) = 0;

 protected:
  using KernelObject::KernelObject;
};

// The local directory over an owned host descriptor.
class Directory final : public DirectoryOps {
 public:
  // Opens host directory `host_path` as a root: a preopen. `io` serves the
  // files opened beneath it and must outlive them.
  static ErrnoResult<Ref<Directory>> OpenRoot(const std::string& host_path, FileIo& io);

  ErrnoResult<HandleEntry> Open(std::string_view path, const OpenOptions& options, Rights rights,
                                Rights granted) override;
  ErrnoResult<FileAttr> Stat() override { return StatHostFd(fd_.get()); }
  ErrnoResult<FileAttr> StatAt(std::string_view path, bool follow) override;
  ErrnoResult<std::vector<DirEntry>> ReadDir() override;
  ErrnoResult<Done> MakeDirectory(std::string_view path) override;
  ErrnoResult<Done> Unlink(std::string_view path, bool directory) override;
  ErrnoResult<Done> Rename(std::string_view old_path, DirectoryOps& new_dir,
                           std::string_view new_path) override;
  ErrnoResult<Done> Symlink(std::string_view target, std::string_view path) override;
  ErrnoResult<std::string> ReadLink(std::string_view path) override;

  // The host descriptor, for calls the kernel object does not offer yet
  // (setting times); paths must still go through path_beneath.h.
  int host_fd() const { return fd_.get(); }

 private:
  Directory(UniqueFd fd, FileIo& io)
      : DirectoryOps(ObjectType::kDirectory), fd_(std::move(fd)), io_(io) {}

  const UniqueFd fd_;
  FileIo& io_;
};

}  // namespace shoal::kernel
