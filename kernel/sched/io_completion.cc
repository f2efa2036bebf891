#include "kernel/sched/io_completion.h"

#include <cstring>
#include <string>

namespace shoal::kernel {

Status StatusFromErrno(int error) {
  switch (error) {
    case 0:
      return Status::kOk;
    case EINVAL:
    case EFAULT:
    case EOVERFLOW:
    case ENAMETOOLONG:
      return Status::kInvalidArgs;
    case ENOMEM:
    case ENOBUFS:
    case EMFILE:
    case ENFILE:
    case EDQUOT:
      return Status::kNoMemory;
    case EAGAIN:
      return Status::kShouldWait;
    case EPIPE:
    case ECONNRESET:
    case ENOTCONN:
      return Status::kPeerClosed;
    case ENOENT:
      return Status::kNotFound;
    case EEXIST:
      return Status::kAlreadyExists;
    case EACCES:
    case EPERM:
      return Status::kAccessDenied;
    case EOPNOTSUPP:
    case ENOSYS:
      return Status::kNotSupported;
    default:
      return Status::kIoError;
  }
}

IoCompletion IoCompletion::FromCqeResult(int32_t res) {
  IoCompletion c;
  if (res >= 0) {
    c.result = res;
  } else {
    c.error = -res;
    c.status = StatusFromErrno(c.error);
  }
  return c;
}

Error IoCompletion::ToError(const char* what) const {
  return MakeError(status, std::string(what) + ": " + std::strerror(error));
}

}  // namespace shoal::kernel
