// Status codes shared by the VM and the kernel.
//
// A Status is what a guest (or an admin client) can observe about a failed
// operation; the accompanying message in Error is for people. When several
// errors apply to one kernel call, the one listed first here wins: a bad
// handle is reported before a wrong type, a wrong type before missing rights.
#pragma once

#include <cstdint>
#include <string_view>

namespace shoal {

enum class Status : uint8_t {
  kOk = 0,
  kBadHandle,      // The handle value names no live handle in this table.
  kWrongType,      // The handle names an object of another type.
  kAccessDenied,   // The handle lacks a right the operation needs.
  kInvalidArgs,    // An argument is out of range or malformed.
  kOutOfBounds,    // A guest address range falls outside linear memory.
  kNoMemory,       // A resource limit or allocation failed.
  kPeerClosed,     // The other end of a channel is gone.
  kShouldWait,     // The operation would block; retry when signalled.
  kNotFound,       // A name (path, export, import) does not exist.
  kAlreadyExists,  // A name is taken.
  kNotSupported,   // The operation is not implemented for this object.
  kMalformed,      // Bytes do not decode (binary format error).
  kInvalid,        // Bytes decode but fail validation (type error).
  kLinkError,      // Imports do not match what the module expects.
  kTrap,           // A WebAssembly trap ended the computation.
  kExhausted,      // A stack or fuel limit was reached.
  kIoError,        // The host reported an IO failure.
  kInternal,       // A bug in Shoal: never the guest's fault.
  kPeerGone,       // The node holding the object is unreachable (died, restarted, link cut).
  kBadState,       // The object's state excludes the operation (a camera not started).
};

// Returns a stable lower-case name, e.g. "bad handle", for messages.
std::string_view StatusName(Status status);

}  // namespace shoal
