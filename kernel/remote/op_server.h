// OpServer: a ServerBase for the object types whose calls are mostly one
// operation with only an Outcome to answer (timers, ports, processes).
//
// Threading: the loop thread, as ServerBase.
#pragma once

#include "kernel/remote/object_server.h"
#include "kernel/remote/outcome.h"

namespace shoal::kernel::remote {

class OpServer : public ServerBase {
 protected:
  using ServerBase::ServerBase;

  // Answers `context` with the outcome of `op()` (a VoidResult), run only if
  // this capability carries `required`; pushes the signals the operation
  // changed to the watchers. Returns the promise the call handler returns.
  template <typename Context, typename Op>
  kj::Promise<void> Perform(Context& context, Rights required, Op&& op) {
    VoidResult outcome = Require(required);
    if (outcome.ok()) {
      outcome = op();
      RefreshWatchers();
    }
    SetOutcome(context.getResults().initOutcome(), outcome);
    return kj::READY_NOW;
  }
};

}  // namespace shoal::kernel::remote
