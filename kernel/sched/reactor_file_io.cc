#include "kernel/sched/reactor_file_io.h"

#include <sys/uio.h>

#include <cerrno>
#include <utility>

namespace shoal::kernel {
namespace {

Reactor::Callback Adapt(FileIo::Callback done) {
  return [done = std::move(done)](const IoCompletion& c) { done(c.result, c.error); };
}

// A start call's refusal as an errno: buffers too large, or shutting down.
int StartErrno(const Error& error) {
  return error.status == Status::kInvalidArgs ? EINVAL : ECANCELED;
}

}  // namespace

int ReactorFileIo::Read(int fd, std::span<uint8_t> buffer, uint64_t offset, Callback done) {
  auto id = reactor_.Read(fd, buffer, int64_t(offset), Adapt(std::move(done)));
  return id.ok() ? 0 : StartErrno(id.error());
}

int64_t ReactorFileIo::ReadNow(int fd, std::span<uint8_t> buffer, uint64_t offset) {
  if (!cached_reads_) return -EAGAIN;
  iovec iov{buffer.data(), buffer.size()};
  ssize_t n;
  do {
    n = ::preadv2(fd, &iov, 1, off_t(offset), RWF_NOWAIT);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return n;
  // Filesystems without RWF_NOWAIT support take the reactor path.
  return (errno == EOPNOTSUPP || errno == EAGAIN) ? -EAGAIN : -errno;
}

int ReactorFileIo::Write(int fd, std::span<const uint8_t> buffer, uint64_t offset, Callback done) {
  auto id = reactor_.Write(fd, buffer, int64_t(offset), Adapt(std::move(done)));
  return id.ok() ? 0 : StartErrno(id.error());
}

int ReactorFileIo::Sync(int fd, SyncScope scope, Callback done) {
  auto id =
      reactor_.Fsync(fd, scope, Adapt(std::move(done)));
  return id.ok() ? 0 : StartErrno(id.error());
}

}  // namespace shoal::kernel
