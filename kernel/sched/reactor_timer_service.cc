#include "kernel/sched/reactor_timer_service.h"

#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kernel/base/thread_annotations.h"

namespace shoal::kernel {

struct ReactorTimerService::Core : std::enable_shared_from_this<Core> {
  struct Entry {
    MonotonicNs deadline;
    TimerId id;  // Ids grow, so they order ties by scheduling time.
    bool operator>(const Entry& other) const {
      return deadline != other.deadline ? deadline > other.deadline : id > other.id;
    }
  };
  struct Live {
    MonotonicNs deadline;
    Callback fire;
  };

  explicit Core(Reactor& r) : reactor(r) {}

  // Runs on the reactor thread when an armed timeout completes (or was
  // cancelled): fires what is due, then re-arms.
  void OnTimeout(uint64_t seq);
  // Arms a reactor timeout for the earliest live deadline unless one is armed
  // for it or earlier.
  void ArmLocked() REQUIRES(mu);
  void DropDeadTopLocked() REQUIRES(mu);

  Reactor& reactor;
  Mutex mu;
  bool closed GUARDED_BY(mu) = false;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap GUARDED_BY(mu);
  std::unordered_map<TimerId, Live> live GUARDED_BY(mu);
  TimerId next_id GUARDED_BY(mu) = 1;
  Reactor::OpId armed_op GUARDED_BY(mu) = 0;  // 0: none armed.
  MonotonicNs armed_deadline GUARDED_BY(mu) = 0;
  uint64_t arm_seq GUARDED_BY(mu) = 0;  // Names the armed op to its callback.
};

ReactorTimerService::ReactorTimerService(Reactor& reactor)
    : core_(std::make_shared<Core>(reactor)) {}

ReactorTimerService::~ReactorTimerService() {
  std::unordered_map<TimerId, Core::Live> dropped;
  MutexLock lock(&core_->mu);
  core_->closed = true;
  if (core_->armed_op != 0) core_->reactor.Cancel(core_->armed_op);
  dropped.swap(core_->live);
  lock.Unlock();  // `dropped` dies after this: callbacks are destroyed unlocked.
}

TimerService::TimerId ReactorTimerService::Schedule(MonotonicNs deadline, Callback fire) {
  Core& c = *core_;
  MutexLock lock(&c.mu);
  TimerId id = c.next_id++;
  c.heap.push({deadline, id});
  c.live.emplace(id, Core::Live{deadline, std::move(fire)});
  c.ArmLocked();
  return id;
}

bool ReactorTimerService::Cancel(TimerId id) {
  Core& c = *core_;
  Callback dropped;
  MutexLock lock(&c.mu);
  auto it = c.live.find(id);
  if (it == c.live.end()) return false;
  dropped = std::move(it->second.fire);
  c.live.erase(it);
  // Lazy deletion keeps Cancel() O(1); rebuild once the dead dominate, so a
  // schedule/cancel churn of far deadlines cannot grow the heap without bound.
  if (c.heap.size() > 2 * c.live.size() + 64) {
    std::vector<Core::Entry> entries;
    entries.reserve(c.live.size());
    for (const auto& [live_id, live] : c.live) entries.push_back({live.deadline, live_id});
    c.heap = decltype(c.heap)(std::greater<Core::Entry>(), std::move(entries));
  }
  lock.Unlock();
  return true;
}

size_t ReactorTimerService::pending() const {
  MutexLock lock(&core_->mu);
  return core_->live.size();
}

void ReactorTimerService::Core::OnTimeout(uint64_t seq) {
  std::vector<Callback> due;
  {
    MutexLock lock(&mu);
    if (seq == arm_seq) armed_op = 0;
    if (closed) return;
    MonotonicNs now = MonotonicNow();
    for (;;) {
      DropDeadTopLocked();
      if (heap.empty() || heap.top().deadline > now) break;
      auto it = live.find(heap.top().id);
      heap.pop();
      due.push_back(std::move(it->second.fire));
      live.erase(it);
    }
    ArmLocked();
  }
  // Outside the lock: a callback may Schedule() or Cancel() other timers.
  for (Callback& fire : due) fire();
}

void ReactorTimerService::Core::ArmLocked() {
  DropDeadTopLocked();
  if (heap.empty()) return;
  MonotonicNs earliest = heap.top().deadline;
  if (armed_op != 0 && armed_deadline <= earliest) return;
  // The earlier timeout replaces the armed one; the cancelled one's callback
  // still runs OnTimeout, which is harmless (it fires only what is due).
  if (armed_op != 0) reactor.Cancel(armed_op);
  uint64_t seq = ++arm_seq;
  Result<Reactor::OpId> op = reactor.Timeout(
      earliest, [core = shared_from_this(), seq](const IoCompletion&) { core->OnTimeout(seq); });
  // Fails only once the reactor shuts down; then no timer fires any more.
  armed_op = op.ok() ? *op : 0;
  armed_deadline = earliest;
}

void ReactorTimerService::Core::DropDeadTopLocked() {
  while (!heap.empty() && live.count(heap.top().id) == 0) heap.pop();
}

}  // namespace shoal::kernel
