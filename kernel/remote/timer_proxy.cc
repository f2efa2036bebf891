// A timer on another node (Timer in object_rpc.capnp).
//
// Set and Cancel never wait: they post the call and answer Ok at once, or
// kPeerGone when the link is gone. The deadline travels as the delay left
// from now, since two nodes' monotonic clocks are not comparable.
//
// kSignaled mirrors the remote timer's, with one refinement. Each Set and
// Cancel starts a new generation: the proxy clears kSignaled at once (a wait
// right after Set must not end on the previous firing) and starts a new watch
// right behind the call. Calls on one capability arrive in order, so that
// watch's answer and pushes describe the timer after the call; pushes of the
// older watches, which may still be on their way, are ignored. TODO(perf): a
// watch per Set costs a call and a subscription; a generation number on the
// wire would save them.
//
// A Set or Cancel by another holder of the timer (on its own node, or
// through another capability) clears kSignaled there, but the watch pushes
// only bits being set (signal_pump.h), so this proxy shows the clear with the
// next push, or its own next Set or Cancel.
//
// When the link goes the timer can no longer fire: kSignaled|kPeerClosed are
// set so that a waiter wakes rather than hanging, and the next Set or Cancel
// reports kPeerGone.
//
// Errors lost by posting: the server refuses set and cancel only without
// kManage, which the holder's own handle check refuses first (the handle got
// the rights of the export it came from).
#include <kj/debug.h>

#include "kernel/object/timer.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class TimerProxy final : public TimerOps, public RemoteObject {
 public:
  TimerProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : TimerOps(ObjectType::kTimer),
        RemoteObject(std::move(link), kj::mv(capability)),
        watching_(LoopShared(this->link()->loop(), new Watching())) {}

  // Loop thread, once owned: the first watch, and the link's end.
  void Start(const std::shared_ptr<TimerProxy>& self);

  VoidResult Set(MonotonicNs deadline) override {
    MonotonicNs now = MonotonicNow();
    uint64_t delay = deadline > now ? deadline - now : 0;
    return Issue([delay](proto::rpc::Timer::Client timer) {
      auto request = timer.setRequest();
      request.setDelayNs(delay);
      return request.send().ignoreResult();
    });
  }

  VoidResult Cancel() override {
    return Issue([](proto::rpc::Timer::Client timer) {
      return timer.cancelRequest().send().ignoreResult();
    });
  }

  // The signals a watch of `generation` reported (loop thread).
  void Mirror(uint64_t generation, Signals signals);

 private:
  // What the loop thread keeps of the current watch.
  struct Watching {
    uint64_t generation = 0;
    std::shared_ptr<SignalMirror> mirror;
    kj::Maybe<capnp::Capability::Client> subscription;
  };
  // Hands one watch's signals to the proxy, tagged with its generation.
  class GenerationMirror final : public SignalMirror {
   public:
    GenerationMirror(std::weak_ptr<TimerProxy> proxy, uint64_t generation)
        : proxy_(std::move(proxy)), generation_(generation) {}
    void MirrorSignals(Signals signals) override {
      if (auto proxy = proxy_.lock()) proxy->Mirror(generation_, signals);
    }

   private:
    const std::weak_ptr<TimerProxy> proxy_;
    const uint64_t generation_;
  };

  // Starts a generation: clears kSignaled, then posts `send` and a new watch.
  VoidResult Issue(std::function<kj::Promise<void>(proto::rpc::Timer::Client)> send);
  // Loop thread: watches for `generation`, dropping the previous watch.
  void Watch(uint64_t generation);
  void LinkGone();
  void UpdateLocked(Notifications& fired) REQUIRES(mu_);
  std::weak_ptr<TimerProxy> weak_self() {
    return std::static_pointer_cast<TimerProxy>(shared_from_this());
  }

  const std::shared_ptr<Watching> watching_;  // Loop thread only.
  Mutex mu_;
  uint64_t generation_ GUARDED_BY(mu_) = 0;
  bool fired_ GUARDED_BY(mu_) = false;  // The current generation's watch saw kSignaled.
  bool gone_ GUARDED_BY(mu_) = false;
};

void TimerProxy::Start(const std::shared_ptr<TimerProxy>& self) {
  Watch(0);
  std::weak_ptr<TimerProxy> weak = self;
  link()->OnGone([weak] {
    if (auto proxy = weak.lock()) proxy->LinkGone();
  });
}

VoidResult TimerProxy::Issue(std::function<kj::Promise<void>(proto::rpc::Timer::Client)> send) {
  std::weak_ptr<TimerProxy> weak = weak_self();
  std::shared_ptr<Link> link = this->link();
  Notifications fired;
  // Posted under the lock, so the loop sees the generations in order.
  MutexLock lock(&mu_);
  if (gone_ || link->gone()) return link->GoneError();
  uint64_t generation = ++generation_;
  fired_ = false;
  UpdateLocked(fired);
  return OnLoop<proto::rpc::Timer>(
      [weak, link, generation, send = std::move(send)](proto::rpc::Timer::Client timer) {
        link->loop()->Detach(send(timer), "timer call");
        if (auto proxy = weak.lock()) proxy->Watch(generation);
      });
}

void TimerProxy::Watch(uint64_t generation) {
  auto mirror = std::make_shared<GenerationMirror>(weak_self(), generation);
  watching_->generation = generation;
  watching_->mirror = mirror;
  watching_->subscription = nullptr;  // Ends the previous watch.
  std::shared_ptr<Watching> watching = watching_;
  StartWatch(link(), capability(), mirror, [watching, generation](capnp::Capability::Client held) {
    if (watching->generation == generation) watching->subscription = kj::mv(held);
  });
}

void TimerProxy::Mirror(uint64_t generation, Signals signals) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (generation != generation_) return;  // An older watch: it may predate the call.
  fired_ = Any(signals, Signals::kSignaled);
  UpdateLocked(fired);
}

void TimerProxy::LinkGone() {
  Notifications fired;
  MutexLock lock(&mu_);
  gone_ = true;
  UpdateLocked(fired);
}

void TimerProxy::UpdateLocked(Notifications& fired) {
  Signals set = fired_ ? Signals::kSignaled : Signals::kNone;
  if (gone_) set |= Signals::kSignaled | Signals::kPeerClosed;
  UpdateSignals(Signals::kAll, set, fired);
}

}  // namespace

Ref<KernelObject> NewTimerProxy(const std::shared_ptr<Link>& link,
                                proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<TimerProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

}  // namespace shoal::kernel::remote
