#include "kernel/sched/task.h"

namespace shoal::kernel {

std::string_view TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kNew:
      return "new";
    case TaskState::kRunnable:
      return "runnable";
    case TaskState::kRunning:
      return "running";
    case TaskState::kParked:
      return "parked";
    case TaskState::kDone:
      return "done";
  }
  return "unknown";
}

TaskAccounting Task::accounting() const {
  TaskAccounting a;
  a.id = id_;
  a.state = state();
  a.cpu_ns = cpu_ns_.load(std::memory_order_relaxed);
  a.fuel_used = fuel_used_.load(std::memory_order_relaxed);
  a.steps = steps_.load(std::memory_order_relaxed);
  a.kill_requested = kill_requested();
  return a;
}

}  // namespace shoal::kernel
