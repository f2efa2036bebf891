#include "kernel/wasi/host_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace shoal::wasi {
namespace {

// write(2), except that a pipe whose readers are gone gives EPIPE without the
// SIGPIPE that would end the whole node: the signal is blocked on this thread
// for the call, and one the call raised is taken before it is unblocked.
ssize_t WriteWithoutSigpipe(int fd, std::span<const uint8_t> buf) {
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t n = ::write(fd, buf.data(), buf.size());
  const int error = errno;
  if (n < 0 && error == EPIPE) {
    const timespec now{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = error;
  return n;
}

}  // namespace

// TODO(async): allocate and set-times still block the calling thread on slow
// storage (ARCHITECTURE.md, invariant 4).

std::shared_ptr<HostFile> HostFile::Adopt(kernel::Ref<kernel::File> file, Filetype type,
                                          bool poll_streams) {
  std::shared_ptr<HostFile> view(new HostFile(std::move(file), type));
  if (poll_streams && type != Filetype::kRegularFile) {
    int flags = ::fcntl(view->fd(), F_GETFL);
    view->stream_ = flags >= 0 && ::fcntl(view->fd(), F_SETFL, flags | O_NONBLOCK) == 0;
  }
  return view;
}

ErrnoOr<size_t> HostFile::Read(PendingCall& call, std::span<uint8_t> buf) {
  if (type_ == Filetype::kRegularFile) {
    // The descriptor's own position stays the truth (Seek and Write use it);
    // it moves only when the read is delivered.
    off_t at = ::lseek(fd(), 0, SEEK_CUR);
    if (at < 0) return LastHostErrno();
    size_t n = TRY(ReadFileAt(call, file_, buf, uint64_t(at)));
    if (::lseek(fd(), off_t(n), SEEK_CUR) < 0) return LastHostErrno();
    return n;
  }
  for (;;) {
    ssize_t n = ::read(fd(), buf.data(), buf.size());
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<size_t> HostFile::Write(PendingCall& call, std::span<const uint8_t> buf) {
  if (type_ == Filetype::kRegularFile) {
    // As Read: the descriptor's position moves when the write is delivered.
    // With O_APPEND the host puts the bytes at the end whatever the offset,
    // and the position follows them there.
    const bool append = (flags() & kFdflagAppend) != 0;
    off_t at = append ? 0 : ::lseek(fd(), 0, SEEK_CUR);
    if (at < 0) return LastHostErrno();
    size_t n = TRY(WriteFileAt(call, file_, buf, uint64_t(at)));
    if (::lseek(fd(), append ? 0 : off_t(n), append ? SEEK_END : SEEK_CUR) < 0) {
      return LastHostErrno();
    }
    return n;
  }
  for (;;) {
    ssize_t n = WriteWithoutSigpipe(fd(), buf);
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<size_t> HostFile::Pread(PendingCall& call, std::span<uint8_t> buf, uint64_t offset) {
  if (offset > uint64_t(INT64_MAX)) return Errno::kInval;
  if (type_ == Filetype::kRegularFile) return ReadFileAt(call, file_, buf, offset);
  for (;;) {
    ssize_t n = ::pread(fd(), buf.data(), buf.size(), off_t(offset));
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<size_t> HostFile::Pwrite(PendingCall& call, std::span<const uint8_t> buf, uint64_t offset) {
  if (offset > uint64_t(INT64_MAX)) return Errno::kInval;
  if (type_ == Filetype::kRegularFile) return WriteFileAt(call, file_, buf, offset);
  for (;;) {
    ssize_t n = ::pwrite(fd(), buf.data(), buf.size(), off_t(offset));
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<uint64_t> HostFile::Seek(PendingCall&, int64_t offset, Whence whence) {
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
  off_t pos = ::lseek(fd(), off_t(offset), host_whence);
  if (pos < 0) return LastHostErrno();
  return uint64_t(pos);
}

Errno HostFile::SetFlags(uint16_t fdflags) {
  int fl = ::fcntl(fd(), F_GETFL);
  if (fl < 0) return LastHostErrno();
  fl = (fdflags & kFdflagAppend) ? (fl | O_APPEND) : (fl & ~O_APPEND);
  const bool nonblock = (fdflags & kFdflagNonblock) != 0;
  // A polled stream stays O_NONBLOCK on the host (poll_fd() decides whether
  // the process parks); another FIFO or device follows the guest's flag.
  if (type_ != Filetype::kRegularFile && !stream_) {
    fl = nonblock ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  }
  if (::fcntl(fd(), F_SETFL, fl) != 0) return LastHostErrno();
  nonblock_ = nonblock;
  return Errno::kSuccess;
}

uint16_t HostFile::flags() const {
  int fl = ::fcntl(fd(), F_GETFL);
  uint16_t out = 0;
  if (fl >= 0 && (fl & O_APPEND)) out |= kFdflagAppend;
  if (nonblock_) out |= kFdflagNonblock;
  // Linux's O_SYNC includes the O_DSYNC bit, and O_RSYNC is O_SYNC, so a file
  // opened with RSYNC reads back as SYNC.
  if (fl >= 0 && (fl & O_SYNC) == O_SYNC) {
    out |= kFdflagSync;
  } else if (fl >= 0 && (fl & O_DSYNC)) {
    out |= kFdflagDsync;
  }
  return out;
}

Errno HostFile::Allocate(uint64_t offset, uint64_t len) {
  if (offset > uint64_t(INT64_MAX) || len > uint64_t(INT64_MAX) - offset) return Errno::kInval;
  int rc = ::posix_fallocate(fd(), off_t(offset), off_t(len));
  if (rc != 0) return ErrnoFromHost(rc);
  return Errno::kSuccess;
}

std::optional<uint64_t> HostFile::Position() const {
  if (type_ != Filetype::kRegularFile) return std::nullopt;
  off_t at = ::lseek(fd(), 0, SEEK_CUR);
  if (at < 0) return std::nullopt;
  return uint64_t(at);
}

}  // namespace shoal::wasi
