#include "kernel/remote/signal_pump.h"

namespace shoal::kernel::remote {

std::shared_ptr<SignalPump> SignalPump::Start(std::shared_ptr<Loop> loop, Ref<KernelObject> object,
                                              proto::rpc::SignalWatcher::Client watcher,
                                              Signals initial) {
  std::shared_ptr<Loop> l = loop;
  std::shared_ptr<SignalPump> pump =
      LoopShared(l, new SignalPump(std::move(loop), std::move(object), kj::mv(watcher), initial));
  pump->Arm();
  return pump;
}

SignalPump::~SignalPump() {
  if (auto object = object_.lock(); object && token_ != 0) object->CancelObserver(token_);
}

void SignalPump::Arm() {
  Ref<KernelObject> object = object_.lock();
  if (object == nullptr || failed_) return;
  Signals mask = ~last_ & Signals::kAll;
  if (mask == Signals::kNone) return;  // Every bit is set: only a clear can follow.
  std::weak_ptr<SignalPump> weak = weak_from_this();
  std::weak_ptr<Loop> loop = loop_;
  Result<ObserverToken> token = object->ObserveAsync(mask, [weak, loop](Signals fired) {
    if (auto l = loop.lock()) {
      (void)l->Post([weak, fired] {
        if (auto pump = weak.lock()) {
          pump->token_ = 0;  // It fired: observers are one-shot.
          pump->Refresh(fired);
        }
      });
    }
  });
  token_ = token.ok() ? *token : 0;
}

void SignalPump::Refresh(Signals fired) {
  Ref<KernelObject> object = object_.lock();
  if (object == nullptr || failed_) return;
  Signals now = object->signals();
  Signals pulsed = fired & ~now & Signals::kAll;
  if (now != last_ || pulsed != Signals::kNone) Push(*object, now, pulsed);
  if (token_ == 0) Arm();
}

void SignalPump::Push(KernelObject& object, Signals now, Signals pulsed) {
  last_ = now;
  auto request = watcher_.changedRequest();
  request.setSignals(uint32_t(now));
  request.setPulsed(uint32_t(pulsed));
  std::weak_ptr<SignalPump> weak = weak_from_this();
  loop_->Detach(request.send().catch_([weak](kj::Exception&&) {
    if (auto pump = weak.lock()) pump->failed_ = true;
  }),
                "signal push");
  // The observed mask follows what was pushed: re-register for the new one.
  if (token_ != 0) {
    object.CancelObserver(token_);
    token_ = 0;
  }
}

}  // namespace shoal::kernel::remote
