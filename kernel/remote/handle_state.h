// Handle state: what the holder's side of a handle knows that the object's
// capability does not, carried beside the capability when the handle
// crosses nodes (Handle.state in object_rpc.capnp), so the object that
// takes the handle over (a new proxy, or the object itself come home)
// continues where the holder was.
//
// Today one type has any: a camera session's reader position
// (rdev::CameraReadPosition). A camera proxy fetches frames ahead of its
// reader; when the reader's process moves, the frames fetched but never
// taken stay behind, and the position lets the next object count them as
// dropped. Objects moved by value (a timer's remaining time, a channel's
// queue) are meant to add their state here.
//
// Threading: the loop thread (with the handle's export and import).
#pragma once

#include <cstdint>
#include <optional>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

// One handle's holder state, read out of its message so that it outlives it.
struct HandleState {
  std::optional<uint64_t> camera_last_read;  // rdev::CameraOps::LastRead.
};

// Writes `object`'s holder state into `out` (left `none` when it has none).
void WriteHandleState(KernelObject& object, proto::rpc::HandleState::Builder out);

// The state `in` holds. kMalformed for a kind this node does not know (a
// newer peer's).
Result<HandleState> ReadHandleState(proto::rpc::HandleState::Reader in);

// Gives `object` the holder state `state`. kMalformed for state of another
// object type.
VoidResult ApplyHandleState(KernelObject& object, const HandleState& state);

}  // namespace shoal::kernel::remote
