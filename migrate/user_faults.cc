#include "migrate/user_faults.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace shoal::migrate {
namespace {

Error Errno(const std::string& what, int err) {
  return MakeError(Status::kIoError, what + ": " + std::strerror(err));
}

// A userfaultfd that also handles faults taken in kernel mode.
Result<UniqueFd> OpenFd() {
  const int flags = O_CLOEXEC | O_NONBLOCK;
  int fd = int(syscall(SYS_userfaultfd, flags));
  if (fd >= 0) return UniqueFd(fd);
  const int direct = errno;
  // Without the privilege, /dev/userfaultfd (Linux 6.1) gives one to whoever
  // may open it.
  UniqueFd device(open("/dev/userfaultfd", O_RDWR | O_CLOEXEC));
  if (device.valid()) {
    fd = ioctl(device.get(), USERFAULTFD_IOC_NEW, flags);
    if (fd >= 0) return UniqueFd(fd);
  }
  return MakeError(Status::kNotSupported,
                   std::string("this node cannot resolve page faults (userfaultfd: ") +
                       std::strerror(direct) +
                       "; run shoald as root, set vm.unprivileged_userfaultfd=1 or give "
                       "it access to /dev/userfaultfd)");
}

// The pages the ioctl got through before it stopped, from its result field.
uint64_t DoneBytes(int64_t field) { return field > 0 ? uint64_t(field) : 0; }

}  // namespace

Result<std::unique_ptr<UserFaults>> UserFaults::Open() {
  UniqueFd fd = TRY(OpenFd());
  uffdio_api api{};
  api.api = UFFD_API;
  if (ioctl(fd.get(), UFFDIO_API, &api) != 0) return Errno("userfaultfd handshake", errno);
  return std::unique_ptr<UserFaults>(new UserFaults(std::move(fd)));
}

VoidResult UserFaults::Register(void* start, uint64_t bytes) {
  uffdio_register reg{};
  reg.range.start = reinterpret_cast<uint64_t>(start);
  reg.range.len = bytes;
  reg.mode = UFFDIO_REGISTER_MODE_MISSING;
  if (ioctl(fd_.get(), UFFDIO_REGISTER, &reg) != 0) return Errno("userfaultfd register", errno);
  return Ok();
}

Result<uint64_t> UserFaults::Place(void* dst, const void* src, uint64_t bytes) {
  const uint64_t base = reinterpret_cast<uint64_t>(dst);
  const uint64_t from = reinterpret_cast<uint64_t>(src);
  uint64_t at = 0;
  uint64_t placed = 0;
  while (at < bytes) {
    uffdio_copy copy{};
    copy.dst = base + at;
    copy.src = from + at;
    copy.len = bytes - at;
    if (ioctl(fd_.get(), UFFDIO_COPY, &copy) == 0) return placed + copy.len / kPageBytes;
    const int err = errno;
    const uint64_t done = DoneBytes(copy.copy);
    placed += done / kPageBytes;
    at += done;
    if (err == EEXIST) {
      at += kPageBytes;  // That page is there already: it stays as it is.
    } else if (err == EAGAIN) {
      continue;  // The mapping changed under it: go on from where it got.
    } else if (err == ENOENT || err == ESRCH || err == EINVAL) {
      return MakeError(Status::kNotFound, "the memory being filled is gone");
    } else {
      return Errno("userfaultfd copy", err);
    }
  }
  return placed;
}

Result<uint64_t> UserFaults::Zero(void* dst, uint64_t bytes) {
  const uint64_t base = reinterpret_cast<uint64_t>(dst);
  uint64_t at = 0;
  uint64_t placed = 0;
  while (at < bytes) {
    uffdio_zeropage zero{};
    zero.range.start = base + at;
    zero.range.len = bytes - at;
    if (ioctl(fd_.get(), UFFDIO_ZEROPAGE, &zero) == 0) return placed + zero.range.len / kPageBytes;
    const int err = errno;
    const uint64_t done = DoneBytes(zero.zeropage);
    placed += done / kPageBytes;
    at += done;
    if (err == EEXIST) {
      at += kPageBytes;
    } else if (err == EAGAIN) {
      continue;
    } else if (err == ENOENT || err == ESRCH || err == EINVAL) {
      return MakeError(Status::kNotFound, "the memory being filled is gone");
    } else {
      return Errno("userfaultfd zero page", err);
    }
  }
  return placed;
}

Result<std::optional<uint64_t>> UserFaults::NextFault() {
  for (;;) {
    uffd_msg message;
    const ssize_t n = read(fd_.get(), &message, sizeof(message));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return std::optional<uint64_t>();
      return Errno("userfaultfd read", errno);
    }
    if (size_t(n) != sizeof(message)) {
      return MakeError(Status::kIoError, "userfaultfd read a short message");
    }
    // Only page faults are asked for (no UFFD_FEATURE_EVENT_*).
    if (message.event != UFFD_EVENT_PAGEFAULT) continue;
    return std::optional<uint64_t>(message.arg.pagefault.address & ~(kPageBytes - 1));
  }
}

}  // namespace shoal::migrate
