// Task: the unit of work the scheduler runs, one fuel quantum at a time.
//
// A Shoal process becomes a Task whose Step() runs its VM thread for at most
// one quantum (vm::Thread::Run(fuel)) and says what happened: it used its
// quantum and can go on (kPreempted), it is waiting for something and has
// arranged to be woken (kParked), or it has ended (kDone). Step() never blocks
// its worker thread (ARCHITECTURE.md invariant 4): a host call that must wait
// submits its work (reactor.h, a channel, a timer) with a completion that calls
// Scheduler::Wake(), and Step() returns kParked.
//
// The scheduler (scheduler.h) owns the task's state; Task only exposes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

namespace shoal::kernel {

class Scheduler;

// What one Step() did.
enum class StepOutcome : uint8_t {
  kPreempted,  // Used its quantum (or yielded); still runnable.
  kParked,     // Waits for a Wake(); it registered the wake-up before returning.
  kDone,       // Finished; Step() is never called again.
};

// Where a task is in its life. Transitions (all made by the scheduler):
//   kNew --Submit--> kRunnable --worker--> kRunning --kPreempted--> kRunnable
//   kRunning --kParked--> kParked (or kRunnable if a wake was pending)
//   kParked --Wake/RequestKill--> kRunnable;  kRunning --kDone/kill--> kDone
//   kRunnable --kill seen by a worker--> kDone (Step not called again)
enum class TaskState : uint8_t { kNew, kRunnable, kRunning, kParked, kDone };

std::string_view TaskStateName(TaskState state);

// Why a task reached kDone.
enum class FinishReason : uint8_t {
  kCompleted,  // Step() returned kDone.
  kKilled,     // RequestKill() was honoured at a Step boundary.
};

// Per-task accounting, as read by Task::accounting() or Scheduler::Snapshot().
// Values are read one by one without a common lock, so a snapshot taken while
// the task runs may mix two consecutive steps; each value is itself exact.
struct TaskAccounting {
  uint64_t id = 0;  // Scheduler-local; 0 before Submit.
  TaskState state = TaskState::kNew;
  uint64_t cpu_ns = 0;     // CPU time spent inside Step() (see CpuClock).
  uint64_t fuel_used = 0;  // Sum of ChargeFuel() calls.
  uint64_t steps = 0;      // Number of Step() calls that returned.
  bool kill_requested = false;
};

// Subclass, implement Step(), and hand a std::shared_ptr to Scheduler::Submit.
// The scheduler keeps the task alive (holds a reference) from Submit until it
// is done; anyone who may call Wake() later (a reactor callback, a channel
// peer) must hold its own reference, because Wake() on a destroyed task is a
// use after free. Wake() on a done task is harmless.
class Task {
 public:
  Task() = default;
  virtual ~Task() = default;
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  // Runs for at most `fuel_quantum` units of fuel (the unit of
  // vm::Thread::Run: one per call and loop back-edge). Called by one worker at
  // a time, never concurrently with itself. Must not block. Before returning
  // kParked the task must have arranged for Scheduler::Wake() to be called
  // when it can go on; that Wake() may arrive before Step() returns (even
  // from inside Step()) and is not lost. A task should report the fuel it
  // used with ChargeFuel().
  virtual StepOutcome Step(uint64_t fuel_quantum) = 0;

  // Called once, on a worker thread, after the task reached kDone (reason
  // kCompleted right after the last Step(), kKilled at the Step boundary
  // where the kill was honoured). The place to cancel pending IO, close
  // handles and report an exit status. Must not block. Default: nothing.
  virtual void OnFinished(FinishReason reason) {}

  // True once RequestKill() was called. Step() may poll it to stop early at a
  // safepoint (for example between host calls); the scheduler honours it at
  // the next Step boundary whatever Step() returns.
  bool kill_requested() const { return kill_requested_.load(std::memory_order_acquire); }

  uint64_t id() const { return id_; }
  TaskState state() const { return state_.load(std::memory_order_acquire); }
  TaskAccounting accounting() const;

 protected:
  // Adds `units` to this task's fuel account. Call from Step().
  void ChargeFuel(uint64_t units) { fuel_used_.fetch_add(units, std::memory_order_relaxed); }

 private:
  friend class Scheduler;

  // Written by the scheduler under its lock; atomics so that readers outside
  // the lock (accounting(), Step() polling kill_requested()) see whole values.
  Scheduler* scheduler_ = nullptr;
  uint64_t id_ = 0;
  std::atomic<TaskState> state_{TaskState::kNew};
  std::atomic<bool> kill_requested_{false};
  bool wake_pending_ = false;  // Wake() arrived while kRunning. Under the lock.

  std::atomic<uint64_t> cpu_ns_{0};
  std::atomic<uint64_t> fuel_used_{0};
  std::atomic<uint64_t> steps_{0};

  // Intrusive links: no allocation per enqueue, and a parked task costs only
  // this object. Under the scheduler's lock.
  Task* run_next_ = nullptr;  // Run queue (kRunnable only).
  Task* all_prev_ = nullptr;  // Live tasks (not kDone).
  Task* all_next_ = nullptr;
  std::shared_ptr<Task> self_;  // The scheduler's reference.
};

}  // namespace shoal::kernel
