// Directory: a host directory beneath a preopened root, as a kernel object.
//
// Every path a Directory takes is relative to it and is resolved with
// path_beneath.h, so no path reaches a file outside the root the directory
// was opened from (ARCHITECTURE.md, invariant 2): absolute paths, `..` above
// the directory and symlinks pointing out all fail with kErrnoNotCapable.
//
// Rights: kRead allows looking entries up (Open, StatAt, ReadLink) and
// listing them (ReadDir); kWrite allows changing them (creating files,
// MakeDirectory, Unlink, Rename, Link, Symlink). Open gives the new object at most
// the directory's own rights.
//
// Asynchronous: every operation is an `...Async` virtual with a blocking
// form of the plain name beside it (object.h). The local Directory answers
// at once, on the calling thread (metadata calls on the local filesystem);
// a proxy answers when the node that holds the directory does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/base/file_io.h"
#include "kernel/base/unique_fd.h"
#include "kernel/object/errno_result.h"
#include "kernel/object/file.h"
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

  using OpenDone = std::function<void(ErrnoResult<HandleEntry> opened)>;
  using StatDone = std::function<void(ErrnoResult<FileAttr> attr)>;
  using ReadDirDone = std::function<void(ErrnoResult<std::vector<DirEntry>> entries)>;
  using ChangeDone = std::function<void(ErrnoResult<Done> changed)>;
  using ReadLinkDone = std::function<void(ErrnoResult<std::string> target)>;

  // Opens `path`; the new File or Directory gets `rights` ∩ `granted`, where
  // `granted` is the rights of the caller's handle to this directory.
  // Creating an entry (create) or opening for writing needs kWrite in
  // `granted`, else kErrnoNotCapable. The result is a handle entry for the
  // caller's table.
  virtual void OpenAsync(std::string_view path, const OpenOptions& options, Rights rights,
                         Rights granted, OpenDone done) = 0;
  virtual void StatAsync(StatDone done) = 0;
  virtual void StatAtAsync(std::string_view path, bool follow, StatDone done) = 0;
  // Every entry, "." and ".." included, in the host's order.
  virtual void ReadDirAsync(ReadDirDone done) = 0;
  virtual void MakeDirectoryAsync(std::string_view path, ChangeDone done) = 0;
  // unlink(2), or rmdir(2) when `directory`. The directory itself (".") is
  // never removed (EBUSY).
  virtual void UnlinkAsync(std::string_view path, bool directory, ChangeDone done) = 0;
  // Moves `old_path` here to `new_path` beneath `new_dir`, which must be of
  // the same kind as this one (both local, or proxies of one connection);
  // else EXDEV. `new_dir` need stay alive only until RenameAsync returns.
  virtual void RenameAsync(std::string_view old_path, DirectoryOps& new_dir,
                           std::string_view new_path, ChangeDone done) = 0;
  // Makes `new_path` beneath `new_dir` a hard link to `old_path` here, with
  // the kinds `new_dir` may be as for RenameAsync. A symlink at `old_path` is
  // linked itself, never followed (following one with linkat(2) would
  // resolve it outside the path_beneath.h wall). A directory is EPERM.
  virtual void HardLinkAsync(std::string_view old_path, DirectoryOps& new_dir,
                             std::string_view new_path, ChangeDone done) = 0;
  // Creates a symlink at `path` holding `target` (never resolved here; a
  // later open resolves it beneath the directory it is opened through).
  virtual void SymlinkAsync(std::string_view target, std::string_view path, ChangeDone done) = 0;
  virtual void ReadLinkAsync(std::string_view path, ReadLinkDone done) = 0;

  // Blocking forms (object.h): never on a scheduler worker.
  ErrnoResult<HandleEntry> Open(std::string_view path, const OpenOptions& options, Rights rights,
                                Rights granted) {
    return Await<ErrnoResult<HandleEntry>>(
        [&](OpenDone done) { OpenAsync(path, options, rights, granted, std::move(done)); });
  }
  ErrnoResult<FileAttr> Stat() {
    return Await<ErrnoResult<FileAttr>>([&](StatDone done) { StatAsync(std::move(done)); });
  }
  ErrnoResult<FileAttr> StatAt(std::string_view path, bool follow) {
    return Await<ErrnoResult<FileAttr>>(
        [&](StatDone done) { StatAtAsync(path, follow, std::move(done)); });
  }
  ErrnoResult<std::vector<DirEntry>> ReadDir() {
    return Await<ErrnoResult<std::vector<DirEntry>>>(
        [&](ReadDirDone done) { ReadDirAsync(std::move(done)); });
  }
  ErrnoResult<Done> MakeDirectory(std::string_view path) {
    return Await<ErrnoResult<Done>>(
        [&](ChangeDone done) { MakeDirectoryAsync(path, std::move(done)); });
  }
  ErrnoResult<Done> Unlink(std::string_view path, bool directory) {
    return Await<ErrnoResult<Done>>(
        [&](ChangeDone done) { UnlinkAsync(path, directory, std::move(done)); });
  }
  ErrnoResult<Done> Rename(std::string_view old_path, DirectoryOps& new_dir,
                           std::string_view new_path) {
    return Await<ErrnoResult<Done>>(
        [&](ChangeDone done) { RenameAsync(old_path, new_dir, new_path, std::move(done)); });
  }
  ErrnoResult<Done> HardLink(std::string_view old_path, DirectoryOps& new_dir,
                             std::string_view new_path) {
    return Await<ErrnoResult<Done>>(
        [&](ChangeDone done) { HardLinkAsync(old_path, new_dir, new_path, std::move(done)); });
  }
  ErrnoResult<Done> Symlink(std::string_view target, std::string_view path) {
    return Await<ErrnoResult<Done>>(
        [&](ChangeDone done) { SymlinkAsync(target, path, std::move(done)); });
  }
  ErrnoResult<std::string> ReadLink(std::string_view path) {
    return Await<ErrnoResult<std::string>>(
        [&](ReadLinkDone done) { ReadLinkAsync(path, std::move(done)); });
  }

 protected:
  using KernelObject::KernelObject;
};

// The local directory over an owned host descriptor.
class Directory final : public DirectoryOps {
 public:
  // Opens host directory `host_path` as a root: a preopen. `io` serves the
  // files opened beneath it and must outlive them.
  static ErrnoResult<Ref<Directory>> OpenRoot(const std::string& host_path, FileIo& io);

  // Every operation answers at once, on the calling thread.
  void OpenAsync(std::string_view path, const OpenOptions& options, Rights rights, Rights granted,
                 OpenDone done) override {
    done(OpenNow(path, options, rights, granted));
  }
  void StatAsync(StatDone done) override { done(StatHostFd(fd_.get())); }
  void StatAtAsync(std::string_view path, bool follow, StatDone done) override {
    done(StatAtNow(path, follow));
  }
  void ReadDirAsync(ReadDirDone done) override { done(ReadHostDirectory(fd_.get())); }
  void MakeDirectoryAsync(std::string_view path, ChangeDone done) override {
    done(MakeDirectoryNow(path));
  }
  void UnlinkAsync(std::string_view path, bool directory, ChangeDone done) override {
    done(UnlinkNow(path, directory));
  }
  void RenameAsync(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                   ChangeDone done) override {
    done(RenameNow(old_path, new_dir, new_path));
  }
  void HardLinkAsync(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                     ChangeDone done) override {
    done(HardLinkNow(old_path, new_dir, new_path));
  }
  void SymlinkAsync(std::string_view target, std::string_view path, ChangeDone done) override {
    done(SymlinkNow(target, path));
  }
  void ReadLinkAsync(std::string_view path, ReadLinkDone done) override { done(ReadLinkNow(path)); }

  // The host descriptor, for calls the kernel object does not offer yet
  // (setting times); paths must still go through path_beneath.h.
  int host_fd() const { return fd_.get(); }

 private:
  ErrnoResult<HandleEntry> OpenNow(std::string_view path, const OpenOptions& options, Rights rights,
                                   Rights granted);
  ErrnoResult<FileAttr> StatAtNow(std::string_view path, bool follow);
  ErrnoResult<Done> MakeDirectoryNow(std::string_view path);
  ErrnoResult<Done> UnlinkNow(std::string_view path, bool directory);
  ErrnoResult<Done> RenameNow(std::string_view old_path, DirectoryOps& new_dir,
                              std::string_view new_path);
  ErrnoResult<Done> HardLinkNow(std::string_view old_path, DirectoryOps& new_dir,
                                std::string_view new_path);
  ErrnoResult<Done> SymlinkNow(std::string_view target, std::string_view path);
  ErrnoResult<std::string> ReadLinkNow(std::string_view path);

  Directory(UniqueFd fd, FileIo& io)
      : DirectoryOps(ObjectType::kDirectory), fd_(std::move(fd)), io_(io) {}

  const UniqueFd fd_;
  FileIo& io_;
};

}  // namespace shoal::kernel
