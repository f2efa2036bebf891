#include "kernel/remote/proxy.h"

namespace shoal::kernel::remote {
namespace {

// Receives the pushes of one watch.
class Watcher final : public proto::rpc::SignalWatcher::Server {
 public:
  explicit Watcher(std::weak_ptr<SignalMirror> mirror) : mirror_(std::move(mirror)) {}

  kj::Promise<void> changed(ChangedContext context) override {
    if (auto mirror = mirror_.lock()) {
      auto params = context.getParams();
      mirror->MirrorSignals(Signals(params.getSignals()) & Signals::kAll);
      Signals pulsed = Signals(params.getPulsed()) & Signals::kAll;
      if (pulsed != Signals::kNone) mirror->MirrorPulse(pulsed);
    }
    return kj::READY_NOW;
  }

 private:
  std::weak_ptr<SignalMirror> mirror_;
};

}  // namespace

RemoteObject::RemoteObject(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
    : link_(std::move(link)), core_(LoopShared(link_->loop(), new Core(kj::mv(capability)))) {}

RemoteObject::~RemoteObject() = default;

RemoteObject* AsRemote(KernelObject& object) { return dynamic_cast<RemoteObject*>(&object); }

void StartWatch(const std::shared_ptr<Link>& link, proto::rpc::Object::Client capability,
                std::weak_ptr<SignalMirror> mirror,
                std::function<void(capnp::Capability::Client)> hold) {
  auto request = capability.watchRequest();
  request.setWatcher(kj::heap<Watcher>(mirror));
  auto answered = request.send().then(
      [mirror, hold = std::move(hold)](auto&& response) {
        if (!ReadOutcome(response.getOutcome()).ok()) return;  // No kWait: no mirror.
        // A mirror that went (its proxy was dropped) may own `hold`'s target.
        std::shared_ptr<SignalMirror> m = mirror.lock();
        if (m == nullptr) return;
        hold(response.getSubscription());
        m->MirrorSignals(Signals(response.getSignals()) & Signals::kAll);
      },
      [](kj::Exception&&) {
        // The link is failing; its gone listeners mark the proxy.
      });
  link->loop()->Detach(kj::mv(answered), "watch");
}

}  // namespace shoal::kernel::remote
