// ObservedProxy: another node's object seen only through its signals.
//
// A port waiting on an object of another node (Port.waitAsync) needs nothing
// of it but its signals, and a proxy of its own type would do more than
// watch (a channel proxy attaches and drains its endpoint), so the port's
// node observes this instead: a proxy that mirrors the object's signals
// through Object.watch and sets kPeerClosed when the link goes. It has no
// operations and never enters a handle table, so its type() is
// kObservedType, which names no object type.
//
// Threading: create on the loop thread; observe from any.
#pragma once

#include <memory>

#include "kernel/object/object.h"
#include "kernel/remote/link.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

inline constexpr ObjectType kObservedType = ObjectType(0);

Ref<KernelObject> NewObservedProxy(const std::shared_ptr<Link>& link,
                                   proto::rpc::Object::Client capability);

}  // namespace shoal::kernel::remote
