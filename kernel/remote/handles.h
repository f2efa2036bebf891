// Handles on the wire: exporting a handle entry as a capability, and
// importing a received one as a handle entry.
//
// Export gives a local object a new server (object_server.h) that holds it
// with the handle's rights, registered in the loop's server set; a proxy
// passes on the capability it already holds, so calls route through this
// node to the one that has the object. Import turns a capability into a
// proxy of the received type — unless it names a server of this very node
// (an object that went out and came back), which is unwrapped to the local
// object, so a round trip never leaves a chain of proxies behind.
//
// Threading: the loop thread.
#pragma once

#include <kj/async.h>

#include <memory>
#include <optional>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/remote/link.h"
#include "kernel/remote/loop.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

// Writes `entry` into `out`, to be sent over `link`. kNotSupported for a type that cannot cross
// nodes; kInvalidArgs for an empty entry.
VoidResult ExportHandle(const std::shared_ptr<Link>& link, const HandleEntry& entry,
                        proto::rpc::Handle::Builder out);

// A capability for `object` with `rights` (a new server, or a proxy's own).
Result<proto::rpc::Object::Client> ExportObject(const std::shared_ptr<Link>& link,
                                                Ref<KernelObject> object, Rights rights);

// The handle entry `in` stands for, received over `link`. kMalformed for an
// unknown type or rights outside Rights::kAll. A new proxy is handed out once
// it is usable: a process proxy once it knows its pid (process_proxy.h).
kj::Promise<Result<HandleEntry>> ImportHandle(const std::shared_ptr<Link>& link,
                                              proto::rpc::Handle::Reader in);

// The local object `capability` names when it is one of this node's own
// servers (an object that went out and came back), with the rights it was
// exported with; nullopt when it names another node's object.
kj::Promise<Result<std::optional<HandleEntry>>> FindHomeObject(
    const std::shared_ptr<Link>& link, proto::rpc::Object::Client capability);

// Imports every handle of `in`, all or nothing, in order.
kj::Promise<Result<std::vector<HandleEntry>>> ImportHandles(
    const std::shared_ptr<Link>& link, capnp::List<proto::rpc::Handle>::Reader in);

// A proxy of `type` for `capability` (per-type factories in
// <type>_proxy.cc); null for a type that has none.
Ref<KernelObject> NewProxy(ObjectType type, const std::shared_ptr<Link>& link,
                           proto::rpc::Object::Client capability);

}  // namespace shoal::kernel::remote
