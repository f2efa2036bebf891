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
// Lifetime: the reactor must outlive the service. Timers not yet fired when
// the reactor shuts down never fire; their callbacks are destroyed with the
// service.
#pragma once

#include <cstdint>
#include <memory>

#include "kernel/base/timer_service.h"
#include "kernel/sched/reactor.h"

namespace shoal::kernel {

class ReactorTimerService final : public TimerService {
 public:
  explicit ReactorTimerService(Reactor& reactor);
  // Unfired timers are dropped (never fire); a timeout still armed on the
  // reactor finds the service gone and does nothing.
  ~ReactorTimerService() override;

  TimerId Schedule(MonotonicNs deadline, Callback fire) override;
  bool Cancel(TimerId id) override;

  // Timers scheduled and neither fired nor cancelled.
  size_t pending() const;

 private:
  // The state, shared with the armed timeout's callback so that the service
  // may be destroyed before the reactor shuts down.
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace shoal::kernel
