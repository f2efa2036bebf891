// Subscriptions: a capability whose only job is to be held. Dropping it (or
// losing the connection) ends what it stands for: a watch, an attachment.
#pragma once

#include <memory>

#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

// A Subscription that keeps `held` alive until the holder drops it.
proto::rpc::Subscription::Client HoldUntilDropped(std::shared_ptr<void> held);

}  // namespace shoal::kernel::remote
