#include "kernel/base/status.h"

namespace shoal {

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kBadHandle: return "bad handle";
    case Status::kWrongType: return "wrong type";
    case Status::kAccessDenied: return "access denied";
    case Status::kInvalidArgs: return "invalid arguments";
    case Status::kOutOfBounds: return "out of bounds";
    case Status::kNoMemory: return "no memory";
    case Status::kPeerClosed: return "peer closed";
    case Status::kShouldWait: return "should wait";
    case Status::kNotFound: return "not found";
    case Status::kAlreadyExists: return "already exists";
    case Status::kNotSupported: return "not supported";
    case Status::kMalformed: return "malformed";
    case Status::kInvalid: return "invalid";
    case Status::kLinkError: return "link error";
    case Status::kTrap: return "trap";
    case Status::kExhausted: return "exhausted";
    case Status::kIoError: return "io error";
    case Status::kInternal: return "internal error";
    case Status::kPeerGone: return "peer gone";
    case Status::kBadState: return "bad state";
  }
  return "unknown status";
}

}  // namespace shoal
