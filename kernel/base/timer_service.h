// TimerService: deadlines on the monotonic clock, fired by whoever owns time
// on the node (the io_uring reactor in shoald; a test may drive its own).
// Timer objects and sleeping host calls use it instead of their own threads.
#pragma once

#include <cstdint>
#include <functional>

#include "kernel/base/clock.h"

namespace shoal {

class TimerService {
 public:
  using TimerId = uint64_t;  // Never 0; never reused by one service.
  using Callback = std::function<void()>;

  virtual ~TimerService() = default;

  // Calls `fire` once, on the service's thread, at or soon after `deadline`
  // (at once if it has passed). Thread-safe.
  virtual TimerId Schedule(MonotonicNs deadline, Callback fire) = 0;

  // Cancels a timer that has not fired. Returns true when `fire` will not be
  // called; false when it already ran, is running, or `id` is unknown.
  // Thread-safe; must not be called from inside that timer's own callback
  // expecting true.
  virtual bool Cancel(TimerId id) = 0;
};

}  // namespace shoal
