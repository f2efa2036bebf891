#include "clusterd/cli/exit_codes.h"

#include "kernel/object/process_ops.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

int ExitCodeForFailure(pb::Failure::Subject subject, Status status) {
  switch (subject) {
    case pb::Failure::SUBJECT_SPAWN:
      switch (status) {
        case Status::kMalformed:
        case Status::kInvalid:
          return kExitBadModule;
        case Status::kLinkError:
          return kExitLinkError;
        case Status::kNoMemory:
          return kExitNoMemory;
        case Status::kNotFound:  // A --dir directory of the node that runs it.
        case Status::kIoError:
        case Status::kAccessDenied:
          return kExitNoDirectory;
        case Status::kTrap:  // Its start function trapped.
          return kernel::kTrapExitCode;
        default:
          return kExitInternal;
      }
    case pb::Failure::SUBJECT_MODULE_FILE:
      return kExitNoInput;
    case pb::Failure::SUBJECT_REMOTE_DIRECTORY:
      switch (status) {
        case Status::kNotFound:
          return kExitNotFound;
        case Status::kPeerGone:
        case Status::kIoError:
          return kExitUnavailable;
        default:
          return kExitInternal;
      }
    default:
      return kExitInternal;
  }
}

int ExitCodeForStatus(grpc::StatusCode code, std::string_view message) {
  switch (code) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitNotAuthorized;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kExitBadModule;
    case grpc::StatusCode::UNAVAILABLE:
      return kExitUnavailable;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitTimeout;
    case grpc::StatusCode::UNIMPLEMENTED:
      return kExitUnimplemented;
    case grpc::StatusCode::ALREADY_EXISTS:  // A mount's target is taken.
      return kExitExists;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:  // Over the memory cap (run --memory).
      return kExitNoMemory;
    case grpc::StatusCode::OUT_OF_RANGE:  // A cursor the node does not know (events --after).
      return kExitUsage;
    case grpc::StatusCode::FAILED_PRECONDITION:
      if (message.find("was lost") != std::string_view::npos) return kExitLost;
      if (message.find("cannot checkpoint") != std::string_view::npos ||
          message.find("cannot move") != std::string_view::npos) {
        return kExitCannotMove;
      }
      return kExitInternal;
    default:
      return kExitInternal;
  }
}

}  // namespace shoal::cli
