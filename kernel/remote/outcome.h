// Outcome: operation results on the object protocol's wire, and the edge
// where Cap'n Proto exceptions become a Status (STYLE.md, item 4).
//
// An operation's failure travels as a value (proto::rpc::Outcome); an
// exception on a call means the connection failed, which a proxy reports as
// kPeerGone, or (from the server's own checks) that the peer sent something
// malformed.
#pragma once

#include <kj/exception.h>

#include <string>

#include "kernel/base/result.h"
#include "kernel/object/errno_result.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

// Writes `result`'s failure (nothing for success) into `outcome`.
void SetOutcome(proto::rpc::Outcome::Builder outcome, const Error& error);
inline void SetOutcome(proto::rpc::Outcome::Builder outcome, const VoidResult& result) {
  if (!result.ok()) SetOutcome(outcome, result.error());
}
// A failing file or directory operation: kIoError with its errno.
void SetErrnoOutcome(proto::rpc::Outcome::Builder outcome, int error);

// The Status an outcome carries; an unknown status value is kMalformed.
VoidResult ReadOutcome(proto::rpc::Outcome::Reader outcome);
// The errno an outcome carries, for file and directory operations: 0 for
// success; a failure without an errno (kPeerGone, a rights check) maps to
// the closest errno (EHOSTUNREACH, EACCES, EIO).
int ReadErrnoOutcome(proto::rpc::Outcome::Reader outcome);

// The errno that stands for `error` where a file operation must report one.
int ErrnoFor(const Error& error);

// A call that threw: kPeerGone when the connection is gone (DISCONNECTED),
// else kMalformed or kInternal with the exception's description.
Error FromException(const kj::Exception& exception, const std::string& peer);

}  // namespace shoal::kernel::remote
