#include "kernel/remote/outcome.h"

#include <cerrno>

namespace shoal::kernel::remote {

void SetOutcome(proto::rpc::Outcome::Builder outcome, const Error& error) {
  outcome.setStatus(uint8_t(error.status));
  outcome.setMessage(error.message);
}

void SetErrnoOutcome(proto::rpc::Outcome::Builder outcome, int error) {
  outcome.setStatus(uint8_t(Status::kIoError));
  outcome.setHostErrno(error);
}

VoidResult ReadOutcome(proto::rpc::Outcome::Reader outcome) {
  uint8_t status = outcome.getStatus();
  if (status == 0) return Ok();
  if (status > uint8_t(Status::kBadState)) {
    return MakeError(Status::kMalformed, "unknown status " + std::to_string(status) + " from peer");
  }
  return MakeError(Status(status), outcome.getMessage().cStr());
}

int ErrnoFor(const Error& error) {
  switch (error.status) {
    case Status::kPeerGone:
      return EHOSTUNREACH;
    case Status::kAccessDenied:
      return EACCES;
    case Status::kBadHandle:
    case Status::kWrongType:
      return EBADF;
    case Status::kInvalidArgs:
      return EINVAL;
    case Status::kNoMemory:
      return ENOMEM;
    case Status::kNotFound:
      return ENOENT;
    default:
      return EIO;
  }
}

int ReadErrnoOutcome(proto::rpc::Outcome::Reader outcome) {
  VoidResult status = ReadOutcome(outcome);
  if (status.ok()) return 0;
  int host = outcome.getHostErrno();
  if (status.error().status == Status::kIoError && host > 0 && host <= kErrnoNotCapable) {
    return host;
  }
  return ErrnoFor(status.error());
}

Error FromException(const kj::Exception& exception, const std::string& peer) {
  std::string who = peer.empty() ? "the peer" : "node " + peer;
  std::string what = exception.getDescription().cStr();
  switch (exception.getType()) {
    case kj::Exception::Type::DISCONNECTED:
      return MakeError(Status::kPeerGone, who + " is gone: " + what);
    case kj::Exception::Type::OVERLOADED:
      return MakeError(Status::kNoMemory, who + " is overloaded: " + what);
    default:
      return MakeError(Status::kMalformed, "call to " + who + " failed: " + what);
  }
}

}  // namespace shoal::kernel::remote
