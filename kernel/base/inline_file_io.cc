#include <unistd.h>

#include <cerrno>

#include "kernel/base/file_io.h"

namespace shoal {
namespace {

// Reports a host call's outcome: the count, or 0 and the errno.
void Report(ssize_t n, const FileIo::Callback& done) {
  done(n < 0 ? 0 : int32_t(n), n < 0 ? errno : 0);
}

}  // namespace

InlineFileIo& InlineFileIo::Shared() {
  static InlineFileIo io;
  return io;
}

int64_t InlineFileIo::ReadNow(int fd, std::span<uint8_t> buffer, uint64_t offset) {
  ssize_t n;
  do {
    n = ::pread(fd, buffer.data(), buffer.size(), off_t(offset));
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

int InlineFileIo::Read(int fd, std::span<uint8_t> buffer, uint64_t offset, Callback done) {
  int64_t n = ReadNow(fd, buffer, offset);
  done(n < 0 ? 0 : int32_t(n), n < 0 ? int(-n) : 0);
  return 0;
}

int InlineFileIo::Write(int fd, std::span<const uint8_t> buffer, uint64_t offset, Callback done) {
  ssize_t n;
  do {
    n = ::pwrite(fd, buffer.data(), buffer.size(), off_t(offset));
  } while (n < 0 && errno == EINTR);
  Report(n, done);
  return 0;
}

int InlineFileIo::Sync(int fd, SyncScope scope, Callback done) {
  Report(scope == SyncScope::kDataOnly ? ::fdatasync(fd) : ::fsync(fd), done);
  return 0;
}

}  // namespace shoal
