// The answer to an open on the wire (Provider.open, Node.openDirectory): an
// outcome and, when it succeeded, a handle to import.
#pragma once

#include <kj/async.h>

#include <memory>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/remote/link.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

// The error `outcome` carries, or the handle imported over `link`
// (ImportHandle). Reads both readers before it returns, so the response
// they point into may go right after. Loop thread.
kj::Promise<Result<HandleEntry>> ImportOpened(const std::shared_ptr<Link>& link,
                                              proto::rpc::Outcome::Reader outcome,
                                              proto::rpc::Handle::Reader handle);

}  // namespace shoal::kernel::remote
