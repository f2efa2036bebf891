#include "kernel/sched/reactor_timer_service.h"

#include <utility>

namespace shoal::kernel {

TimerService::TimerId ReactorTimerService::Schedule(MonotonicNs deadline, Callback fire) {
  std::unique_lock lock(mu_);
  TimerId id = next_id_++;
  heap_.push({deadline, id});
  live_.emplace(id, Live{deadline, std::move(fire)});
  ArmLocked();
  return id;
}

bool ReactorTimerService::Cancel(TimerId id) {
  std::unique_lock lock(mu_);
  if (live_.erase(id) == 0) return false;
  // Lazy deletion keeps Cancel() O(1); rebuild once the dead dominate, so a
  // schedule/cancel churn of far deadlines cannot grow the heap without bound.
  if (heap_.size() > 2 * live_.size() + 64) {
    std::vector<Entry> entries;
    entries.reserve(live_.size());
    for (const auto& [live_id, live] : live_) entries.push_back({live.deadline, live_id});
    heap_ = decltype(heap_)(std::greater<Entry>(), std::move(entries));
  }
  return true;
}

size_t ReactorTimerService::pending() const {
  std::unique_lock lock(mu_);
  return live_.size();
}

void ReactorTimerService::OnTimeout(uint64_t arm_seq) {
  std::vector<Callback> due;
  {
    std::unique_lock lock(mu_);
    if (arm_seq == arm_seq_) armed_op_ = 0;
    MonotonicNs now = MonotonicNow();
    for (;;) {
      DropDeadTopLocked();
      if (heap_.empty() || heap_.top().deadline > now) break;
      auto it = live_.find(heap_.top().id);
      heap_.pop();
      due.push_back(std::move(it->second.fire));
      live_.erase(it);
    }
    ArmLocked();
  }
  // Outside the lock: a callback may Schedule() or Cancel() other timers.
  for (Callback& fire : due) fire();
}

void ReactorTimerService::ArmLocked() {
  DropDeadTopLocked();
  if (heap_.empty()) return;
  MonotonicNs earliest = heap_.top().deadline;
  if (armed_op_ != 0 && armed_deadline_ <= earliest) return;
  // The earlier timeout replaces the armed one; the cancelled one's callback
  // still runs OnTimeout, which is harmless (it fires only what is due).
  if (armed_op_ != 0) reactor_.Cancel(armed_op_);
  uint64_t seq = ++arm_seq_;
  Result<Reactor::OpId> op =
      reactor_.Timeout(earliest, [this, seq](const IoCompletion&) { OnTimeout(seq); });
  // Fails only once the reactor shuts down; then no timer fires any more.
  armed_op_ = op.ok() ? *op : 0;
  armed_deadline_ = earliest;
}

void ReactorTimerService::DropDeadTopLocked() {
  while (!heap_.empty() && live_.count(heap_.top().id) == 0) heap_.pop();
}

}  // namespace shoal::kernel
