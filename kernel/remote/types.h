// The per-type halves of the object protocol: for each object type, the
// server that exports a local object (<type>_server.cc) and the proxy that
// stands for a remote one (<type>_proxy.cc). handles.cc picks them by type.
// Every type crosses nodes; NewProxy gives null only for a value outside
// ObjectType (a newer peer's type), which ImportHandle refuses.
#pragma once

#include <memory>

#include "kernel/object/object.h"
#include "kernel/remote/link.h"
#include "kernel/remote/loop.h"
#include "kernel/remote/object_server.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

#define SHOAL_REMOTE_TYPE(Name)                                                   \
  kj::Own<ServerBase> New##Name##Server(const std::shared_ptr<Link>& link,        \
                                        Ref<KernelObject> object, Rights rights); \
  Ref<KernelObject> New##Name##Proxy(const std::shared_ptr<Link>& link,           \
                                     proto::rpc::Object::Client capability);

SHOAL_REMOTE_TYPE(Channel)
SHOAL_REMOTE_TYPE(Port)
SHOAL_REMOTE_TYPE(Timer)
SHOAL_REMOTE_TYPE(Console)
SHOAL_REMOTE_TYPE(File)
SHOAL_REMOTE_TYPE(Directory)
SHOAL_REMOTE_TYPE(Process)
SHOAL_REMOTE_TYPE(Device)
SHOAL_REMOTE_TYPE(Spawner)
SHOAL_REMOTE_TYPE(Camera)
SHOAL_REMOTE_TYPE(Audio)

#undef SHOAL_REMOTE_TYPE

}  // namespace shoal::kernel::remote
