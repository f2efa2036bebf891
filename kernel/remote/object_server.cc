#include "kernel/remote/object_server.h"

#include "kernel/remote/outcome.h"
#include "kernel/remote/signal_pump.h"
#include "kernel/remote/subscription.h"

namespace shoal::kernel::remote {

ServerBase::ServerBase(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
    : link_(std::move(link)), object_(std::move(object)), rights_(rights) {}

ServerBase::~ServerBase() = default;

VoidResult ServerBase::Require(Rights required) const {
  if (!Contains(rights_, required)) {
    return MakeError(Status::kAccessDenied, "the handle lacks a right the operation needs");
  }
  return Ok();
}

kj::Promise<void> ServerBase::watch(WatchContext context) {
  auto results = context.getResults();
  VoidResult allowed = Require(Rights::kWait);
  if (!allowed.ok()) {
    SetOutcome(results.initOutcome(), allowed);
    return kj::READY_NOW;
  }
  Signals now = object_->signals();
  std::shared_ptr<SignalPump> pump =
      SignalPump::Start(loop(), object_, context.getParams().getWatcher(), now);
  std::erase_if(pumps_, [](const std::weak_ptr<SignalPump>& p) { return p.expired(); });
  pumps_.push_back(pump);
  results.setSignals(uint32_t(now));
  results.setSubscription(HoldUntilDropped(std::move(pump)));
  return kj::READY_NOW;
}

void ServerBase::RefreshWatchers() {
  for (const std::weak_ptr<SignalPump>& weak : pumps_) {
    if (auto pump = weak.lock()) pump->Refresh();
  }
}

}  // namespace shoal::kernel::remote
