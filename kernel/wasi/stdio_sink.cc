#include "kernel/wasi/stdio_sink.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace shoal::wasi {

Errno HostFdSink::Write(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastHostErrno();
    }
    bytes = bytes.subspan(size_t(n));
  }
  return Errno::kSuccess;
}

Errno StringSink::Write(std::span<const uint8_t> bytes) {
  MutexLock lock(&mu_);
  data_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return Errno::kSuccess;
}

std::string StringSink::contents() const {
  MutexLock lock(&mu_);
  return data_;
}

ErrnoOr<size_t> HostFdSource::Read(std::span<uint8_t> buf) {
  // Poll first rather than switching the shared host descriptor to
  // non-blocking mode, which would leak into the parent shell.
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, 0);
  if (ready < 0) return errno == EINTR ? Errno::kAgain : LastHostErrno();
  if (ready == 0) return Errno::kAgain;
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return LastHostErrno();
  }
}

ErrnoOr<size_t> StringSource::Read(std::span<uint8_t> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace shoal::wasi
