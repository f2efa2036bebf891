// Exit codes of the `shoal` command (documented in docs/cli.md). A program
// run with `shoal run` (or waited for with `shoal wait`, or followed with
// `shoal run --on NODE --follow`) exits with its own code; these are for
// failures of `shoal` itself, chosen from the BSD sysexits range (and just
// above it) so they rarely collide with what small programs return.
#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <string_view>

#include "kernel/base/status.h"
#include "proto/admin.pb.h"

namespace shoal::cli {

inline constexpr int kExitUsage = 64;        // Bad command line (EX_USAGE).
inline constexpr int kExitBadModule = 65;    // Malformed or invalid module (EX_DATAERR).
inline constexpr int kExitNoInput = 66;      // Module file missing or unreadable (EX_NOINPUT).
inline constexpr int kExitLinkError = 67;    // Imports Shoal cannot provide, or no _start.
inline constexpr int kExitNoDirectory = 68;  // A --dir host directory cannot be opened.
inline constexpr int kExitUnavailable =
    69;  // shoald unreachable, or the node is down (EX_UNAVAILABLE).
inline constexpr int kExitInternal = 70;       // Anything else (EX_SOFTWARE).
inline constexpr int kExitNoMemory = 71;       // The module does not fit its memory cap.
inline constexpr int kExitExists = 73;         // The path is taken (mount) (EX_CANTCREAT).
inline constexpr int kExitTimeout = 75;        // --timeout passed first (EX_TEMPFAIL).
inline constexpr int kExitUnimplemented = 76;  // The cluster does not support the call yet.
inline constexpr int kExitNotAuthorized = 77;  // Missing or wrong token, TLS refused (EX_NOPERM).
inline constexpr int kExitNotFound = 79;       // Unknown pid or node.
inline constexpr int kExitLost = 80;           // The process was lost with its node.
inline constexpr int kExitCannotMove = 81;     // It holds what cannot move (checkpoint).
// From the program's end (kernel/object/process_ops.h): 134 trap, 124 out
// of fuel, 137 killed.

// The one mapping from a kernel failure to shoal's exit code: for `run`
// here (SUBJECT_SPAWN) and for the cluster's answers, whose status details
// carry a Failure (admin.proto). kExitInternal for what it does not know.
int ExitCodeForFailure(shoal::admin::v1::Failure::Subject subject, Status status);

// The exit code for a failed call whose status carries no Failure: by its
// gRPC code and, for FAILED_PRECONDITION, what its message says (a lost
// process, or one that cannot move). kExitInternal for anything else.
int ExitCodeForStatus(grpc::StatusCode code, std::string_view message);

}  // namespace shoal::cli
