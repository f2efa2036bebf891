// Timer: a one-shot deadline on the monotonic clock.
//
// Signals: kSignaled from the moment the deadline passes until the next Set()
// or Cancel(). Time is kept by the node's TimerService (the io_uring reactor
// in shoald), which must outlive every Timer made from it.
#pragma once

#include <cstdint>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/base/timer_service.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

// The operations of a timer, local or proxied. Both need kManage.
class TimerOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kTimer;

  // Arms the timer for `deadline` (CLOCK_MONOTONIC ns), replacing any earlier
  // deadline, and clears kSignaled. A deadline in the past fires at once.
  virtual VoidResult Set(MonotonicNs deadline) = 0;

  // Disarms the timer and clears kSignaled. Cancelling an idle timer is fine.
  virtual VoidResult Cancel() = 0;

 protected:
  using KernelObject::KernelObject;
};

// The local timer.
class Timer final : public TimerOps {
 public:
  static Result<Ref<Timer>> Create(TimerService& service);
  ~Timer() override;

  VoidResult Set(MonotonicNs deadline) override;
  VoidResult Cancel() override;

 private:
  explicit Timer(TimerService& service) : TimerOps(ObjectType::kTimer), service_(service) {}
  // Disarms under the lock; returns the service id to cancel after it.
  TimerService::TimerId DisarmLocked(Notifications& fired) REQUIRES(mu_);
  void OnFire(uint64_t generation);

  TimerService& service_;
  Mutex mu_;
  // Bumped by every Set and Cancel; a firing for an older generation is stale.
  uint64_t generation_ GUARDED_BY(mu_) = 0;
  TimerService::TimerId pending_ GUARDED_BY(mu_) = 0;
};

}  // namespace shoal::kernel
