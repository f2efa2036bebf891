// Namespace providers across nodes (Provider in object_rpc.capnp): what
// `shoal mount` and `--dir node:path` bind, served by the node that has the
// objects.
#pragma once

#include <memory>

#include "kernel/object/provider.h"
#include "kernel/remote/link.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

// A capability serving `provider` to the peer of `link`: each open exports the
// opened object with the rights the provider granted. Loop thread.
proto::rpc::Provider::Client ExportProvider(const std::shared_ptr<Link>& link,
                                            std::shared_ptr<Provider> provider);

}  // namespace shoal::kernel::remote
