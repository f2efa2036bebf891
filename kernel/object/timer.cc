#include "kernel/object/timer.h"

#include <memory>

namespace shoal::kernel {

Result<Ref<Timer>> Timer::Create(TimerService& service) { return Ref<Timer>(new Timer(service)); }

Result<Ref<Timer>> Timer::CreateFrom(TimerService& service, const TimerValue& value,
                                     MonotonicNs now) {
  Ref<Timer> timer = TRY(Create(service));
  switch (value.state) {
    case TimerValue::State::kIdle:
      break;
    case TimerValue::State::kArmed:
      TRY(timer->Set(now + value.remaining_ns));
      break;
    case TimerValue::State::kFired: {
      Notifications fired;  // Nobody observes it yet.
      timer->UpdateSignals(Signals::kNone, Signals::kSignaled, fired);
      break;
    }
  }
  return timer;
}

TimerValue Timer::ValueAt(MonotonicNs now) {
  MutexLock lock(&mu_);
  if (armed_) {
    return {TimerValue::State::kArmed, deadline_ > now ? deadline_ - now : 0};
  }
  if (Any(signals(), Signals::kSignaled)) return {TimerValue::State::kFired, 0};
  return {};
}

Timer::~Timer() {
  TimerService::TimerId pending;
  {
    MutexLock lock(&mu_);
    pending = pending_;
  }
  // The callback holds only a weak reference, so a firing that wins this race
  // finds no timer.
  if (pending != 0) service_.Cancel(pending);
}

TimerService::TimerId Timer::DisarmLocked(Notifications& fired) {
  ++generation_;
  armed_ = false;
  UpdateSignals(Signals::kSignaled, Signals::kNone, fired);
  return std::exchange(pending_, 0);
}

VoidResult Timer::Set(MonotonicNs deadline) {
  uint64_t generation;
  TimerService::TimerId old;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    old = DisarmLocked(fired);
    generation = generation_;
    deadline_ = deadline;
    armed_ = true;
  }
  // The service is called without our lock: it may fire on its own thread at
  // once, and OnFire takes the lock.
  if (old != 0) service_.Cancel(old);
  std::weak_ptr<Timer> weak = std::static_pointer_cast<Timer>(shared_from_this());
  TimerService::TimerId id = service_.Schedule(deadline, [weak, generation] {
    if (auto timer = weak.lock()) timer->OnFire(generation);
  });
  bool stale;
  {
    MutexLock lock(&mu_);
    stale = generation_ != generation;
    if (!stale) pending_ = id;
  }
  if (stale) service_.Cancel(id);  // A later Set or Cancel won the race.
  return Ok();
}

VoidResult Timer::Cancel() {
  TimerService::TimerId old;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    old = DisarmLocked(fired);
  }
  if (old != 0) service_.Cancel(old);
  return Ok();
}

void Timer::OnFire(uint64_t generation) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (generation != generation_) return;
  pending_ = 0;
  armed_ = false;
  UpdateSignals(Signals::kNone, Signals::kSignaled, fired);
}

}  // namespace shoal::kernel
