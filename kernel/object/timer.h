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

// A timer as data, relative to one moment so that it carries across clocks:
// what moving a timer by value takes (docs/migration.md).
struct TimerValue {
  enum class State : uint8_t {
    kIdle = 0,   // Neither armed nor fired.
    kArmed = 1,  // Fires `remaining_ns` after the moment.
    kFired = 2,  // Signaled.
  };
  State state = State::kIdle;
  uint64_t remaining_ns = 0;  // kArmed only.
};

// The local timer.
class Timer final : public TimerOps {
 public:
  static Result<Ref<Timer>> Create(TimerService& service);
  // A timer in the state `value` describes, taken at `now` on this node's
  // clock: an armed one fires at now + remaining_ns.
  static Result<Ref<Timer>> CreateFrom(TimerService& service, const TimerValue& value,
                                       MonotonicNs now);
  ~Timer() override;

  VoidResult Set(MonotonicNs deadline) override;
  VoidResult Cancel() override;

  // Its state at `now` (a deadline already passed but not yet fired counts as
  // armed with nothing remaining).
  TimerValue ValueAt(MonotonicNs now);

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
  MonotonicNs deadline_ GUARDED_BY(mu_) = 0;  // While armed.
  bool armed_ GUARDED_BY(mu_) = false;
};

}  // namespace shoal::kernel
