#include "clusterd/cli/exit_codes.h"

#include "kernel/wasi/run_main.h"

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
          return wasi::kTrapExitCode;
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

}  // namespace shoal::cli
