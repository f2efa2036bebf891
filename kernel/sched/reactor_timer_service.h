// ReactorTimerService: the node's TimerService, on the reactor.
//
// Design: a min-heap of deadlines in user space and one io_uring timeout armed
// for the earliest of them. Thousands of timers then cost one heap entry and
// one map entry each (tens of bytes) and O(log n) to schedule, and the kernel
// holds one timer, not thousands; a new timer only touches the ring when it is
// earlier than the armed one. (One io_uring timeout per timer would cost a
// kernel request each and an async cancel per Cancel().) Cancel() is O(1): it
// drops the callback, and the heap entry is skipped when it comes up; the heap
// is rebuilt when dead entries outnumber live ones.
//
// Callbacks run on the reactor thread, in deadline order (ties in scheduling
// order), and must not block.
//
// Lifetime: the service must outlive its reactor's Shutdown() (the armed
// timeout's callback refers to it). Timers not yet fired at Shutdown() never
// fire; their callbacks are destroyed with the service.
#pragma once

#include <cstdint>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <vector>

#include "kernel/object/timer_service.h"
#include "kernel/sched/reactor.h"

namespace shoal::kernel {

class ReactorTimerService final : public TimerService {
 public:
  explicit ReactorTimerService(Reactor& reactor) : reactor_(reactor) {}

  TimerId Schedule(MonotonicNs deadline, Callback fire) override;
  bool Cancel(TimerId id) override;

  // Timers scheduled and neither fired nor cancelled.
  size_t pending() const;

 private:
  struct Entry {
    MonotonicNs deadline;
    TimerId id;  // Ids grow, so they order ties by scheduling time.
    bool operator>(const Entry& other) const {
      return deadline != other.deadline ? deadline > other.deadline : id > other.id;
    }
  };

  // Runs on the reactor thread when an armed timeout completes (or is
  // cancelled): fires what is due, then re-arms.
  void OnTimeout(uint64_t arm_seq);
  // Arms a reactor timeout for the earliest live deadline if none is armed
  // for it yet.
  void ArmLocked();
  void DropDeadTopLocked();

  Reactor& reactor_;
  mutable std::mutex mu_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;  // Guarded by mu_.
  struct Live {
    MonotonicNs deadline;
    Callback fire;
  };
  std::unordered_map<TimerId, Live> live_;  // Guarded by mu_.
  TimerId next_id_ = 1;                     // Guarded by mu_.
  Reactor::OpId armed_op_ = 0;              // Guarded by mu_. 0: none armed.
  MonotonicNs armed_deadline_ = 0;          // Guarded by mu_.
  uint64_t arm_seq_ = 0;                    // Guarded by mu_. Names the armed op.
};

}  // namespace shoal::kernel
