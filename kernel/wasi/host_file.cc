#include "kernel/wasi/host_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace shoal::wasi {

// TODO(async): these calls block the worker on slow storage; the kernel's
// io_uring reactor will park the process instead (ARCHITECTURE.md, inv. 4).

std::shared_ptr<HostFile> HostFile::Adopt(UniqueFd fd, Filetype type) {
  return std::shared_ptr<HostFile>(new HostFile(std::move(fd), type));
}

ErrnoOr<size_t> HostFile::Read(std::span<uint8_t> buf) {
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<size_t> HostFile::Write(std::span<const uint8_t> buf) {
  for (;;) {
    ssize_t n = ::write(fd_.get(), buf.data(), buf.size());
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<size_t> HostFile::Pread(std::span<uint8_t> buf, uint64_t offset) {
  if (offset > uint64_t(INT64_MAX)) return Errno::kInval;
  for (;;) {
    ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), off_t(offset));
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<size_t> HostFile::Pwrite(std::span<const uint8_t> buf, uint64_t offset) {
  if (offset > uint64_t(INT64_MAX)) return Errno::kInval;
  for (;;) {
    ssize_t n = ::pwrite(fd_.get(), buf.data(), buf.size(), off_t(offset));
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<uint64_t> HostFile::Seek(int64_t offset, Whence whence) {
  int host_whence;
  switch (whence) {
    case Whence::kSet:
      host_whence = SEEK_SET;
      break;
    case Whence::kCur:
      host_whence = SEEK_CUR;
      break;
    case Whence::kEnd:
      host_whence = SEEK_END;
      break;
    default:
      return Errno::kInval;
  }
  off_t pos = ::lseek(fd_.get(), off_t(offset), host_whence);
  if (pos < 0) return LastHostErrno();
  return uint64_t(pos);
}

Errno HostFile::SetSize(uint64_t size) {
  if (size > uint64_t(INT64_MAX)) return Errno::kInval;
  if (::ftruncate(fd_.get(), off_t(size)) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostFile::Sync() {
  if (::fsync(fd_.get()) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

Errno HostFile::SetFlags(uint16_t fdflags) {
  int fl = ::fcntl(fd_.get(), F_GETFL);
  if (fl < 0) return LastHostErrno();
  fl = (fdflags & kFdflagAppend) ? (fl | O_APPEND) : (fl & ~O_APPEND);
  // Non-blocking mode is accepted but has no effect on regular files.
  if (::fcntl(fd_.get(), F_SETFL, fl) != 0) return LastHostErrno();
  return Errno::kSuccess;
}

uint16_t HostFile::flags() const {
  int fl = ::fcntl(fd_.get(), F_GETFL);
  uint16_t out = 0;
  if (fl >= 0 && (fl & O_APPEND)) out |= kFdflagAppend;
  return out;
}

Errno HostFile::Allocate(uint64_t offset, uint64_t len) {
  if (offset > uint64_t(INT64_MAX) || len > uint64_t(INT64_MAX) - offset) return Errno::kInval;
  int rc = ::posix_fallocate(fd_.get(), off_t(offset), off_t(len));
  if (rc != 0) return ErrnoFromHost(rc);
  return Errno::kSuccess;
}

}  // namespace shoal::wasi
