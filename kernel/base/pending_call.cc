#include "kernel/base/pending_call.h"

namespace shoal {

IoWait::~IoWait() {
  // A Complete() that set kDone under mu_ (a waker was registered) may not
  // have released it yet; the owner that saw done() and let go of the wait
  // must not free it under it.
  if (state_.load(std::memory_order_acquire) != kDone) {
    MutexLock lock(&mu_);
  }
}

void IoWait::Complete() {
  uint8_t idle = 0;
  // Nobody waits and nobody abandoned it: done, and this thread touches the
  // wait no more (its owner may collect and reuse it at once).
  if (state_.compare_exchange_strong(idle, kDone, std::memory_order_acq_rel)) return;
  std::function<void()> wake;
  std::shared_ptr<IoWait> self;  // Declared last, released first: may free this.
  {
    MutexLock lock(&mu_);
    wake = std::move(wake_);
    self = std::move(self_);
    state_.fetch_or(kDone, std::memory_order_acq_rel);
  }
  if (wake) wake();
}

void IoWait::OnDone(std::function<void()> wake) {
  {
    MutexLock lock(&mu_);
    uint8_t s = state_.load(std::memory_order_acquire);
    while ((s & kDone) == 0) {
      if (state_.compare_exchange_weak(s, s | kWaker, std::memory_order_acq_rel)) {
        wake_ = std::move(wake);
        return;
      }
    }
  }
  wake();
}

void IoWait::RearmUnderLock() {
  MutexLock lock(&mu_);
  state_.store(0, std::memory_order_relaxed);
  wake_ = nullptr;
  self_ = nullptr;
}

bool IoWait::Orphan(std::shared_ptr<IoWait>& owner) {
  IoWait& wait = *owner;
  MutexLock lock(&wait.mu_);
  uint8_t s = wait.state_.load(std::memory_order_acquire);
  while ((s & kDone) == 0) {
    if (wait.state_.compare_exchange_weak(s, s | kOrphan, std::memory_order_acq_rel)) {
      wait.self_ = std::move(owner);
      return true;  // Complete() takes self_ under the lock, after this returns.
    }
  }
  return false;
}

void PendingCall::AbandonLive() {
  live_ = false;
  if (!op_->done()) {
    std::shared_ptr<IoWait> owner = std::move(op_);
    if (IoWait::Orphan(owner)) return;  // It frees itself when it completes.
    op_ = std::static_pointer_cast<pending_internal::OpBase>(std::move(owner));
  }
  op_->Clear();  // Done: drop the outcome nobody collected.
}

}  // namespace shoal
