// Scheduler: N worker threads running many Tasks, one fuel quantum at a time.
//
// Fairness: one global FIFO run queue. A task that used its quantum goes to
// the back, a woken task goes to the back, and every Step() gets the same
// quantum, so between two steps of one runnable task every other runnable task
// gets at most one step per worker. A task that is always runnable cannot
// starve the others.
//
// Why one global queue (a mutex, a FIFO and a condition variable) and not
// per-worker queues with stealing: workers are one per core (2 here, a few
// dozen at most), and each critical section is a few pointer moves around a
// quantum of interpreted code (tens of microseconds or more), so the lock is
// not contended in practice; a single FIFO gives exact round-robin fairness
// and one place to see the run-queue length. bench/sched_bench.cc measures the
// wake-to-run latency this design gives. Stealing would buy cache locality on
// many-core nodes; the Task/Scheduler interface does not depend on the choice.
//
// Idle workers sleep on the condition variable (no spinning); parked tasks
// are in no queue and cost no worker, only their Task object.
//
// Thread safety: every public method may be called from any thread,
// including from inside Step() and from reactor callbacks. Lock order: the
// scheduler's lock is a leaf (no callback runs under it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/sched/task.h"

namespace shoal::kernel {

// How CPU time per task is measured around Step().
enum class CpuClock : uint8_t {
  // CLOCK_MONOTONIC around Step(): wall time inside the step. Equals CPU time
  // unless the host deschedules the worker mid-step (workers <= cores keeps
  // that rare). Cheap (vDSO): the default.
  kSteady,
  // CLOCK_THREAD_CPUTIME_ID: the CPU time actually used. A real syscall per
  // read, two per step: 8.5 us each on the development VM, which made a wake
  // round trip 30x slower (bench/sched_bench.cc), so it is opt-in.
  kThreadCpu,
};

struct SchedulerOptions {
  // 0: std::thread::hardware_concurrency() (at least 1).
  unsigned workers = 0;
  // Fuel per Step(); the VM charges one unit per call and loop back-edge.
  uint64_t fuel_quantum = 10'000;
  CpuClock cpu_clock = CpuClock::kSteady;
};

// Counters for metrics (Prometheus later). Task counts are of live tasks
// except `finished`/`killed`, which count since the scheduler started.
struct SchedulerStats {
  unsigned workers = 0;
  uint64_t run_queue_length = 0;  // == runnable
  uint64_t runnable = 0;
  uint64_t running = 0;
  uint64_t parked = 0;
  uint64_t finished = 0;  // Reached kDone (completed or killed).
  uint64_t killed = 0;    // Of which by RequestKill().
  uint64_t steps = 0;     // Step() calls, all tasks.
  uint64_t wakes = 0;     // Wake() calls that made a parked task runnable.
};

// What Shutdown() leaves behind: the tasks that were not done, in their last
// state (kRunnable or kParked; never kRunning, since workers are joined). The
// scheduler no longer references them; Step() is never called on them again.
// A caller may checkpoint them (they stopped at a Step boundary) or drop them.
struct ShutdownReport {
  std::vector<std::shared_ptr<Task>> unfinished;
};

class Scheduler {
 public:
  // Starts the worker threads.
  explicit Scheduler(SchedulerOptions options = {});
  // Shuts down if Shutdown() was not called (and drops the unfinished tasks).
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Makes `task` runnable and gives it an id. kInvalidArgs if the task is
  // done or held by a scheduler (this or another); kNotSupported after
  // Shutdown(). The scheduler holds a reference until the task is done. A task
  // left over by another scheduler's Shutdown() may be submitted again (it
  // stopped at a Step boundary and keeps its id and accounting).
  VoidResult Submit(std::shared_ptr<Task> task);

  // Makes a parked task runnable. If the task is running, the wake is kept
  // (a "wake pending" flag) and a kParked outcome of that step becomes
  // runnable at once, so a wake that races with parking is never lost. No
  // effect on a runnable, done or never-submitted task. The caller must
  // keep `task` alive across the call (see Task).
  void Wake(Task& task);

  // Kill always wins: at the next Step boundary the task is finished with
  // FinishReason::kKilled, whatever Step() returns. A parked task is woken so
  // that this happens promptly; a runnable task is finished without another
  // Step(). The task sees kill_requested() at once. No effect on a done task.
  void RequestKill(Task& task);

  // Stops the workers (each finishes the Step() it is in) and joins them.
  // Runnable tasks are not run again and OnFinished() is not called for them.
  // Returns the tasks not done, detached: Wake() and RequestKill() on them
  // after this only set flags. Idempotent: later calls return an empty report.
  ShutdownReport Shutdown();

  // Waits until no submitted task is left undone, or until `timeout`. True
  // when none is left. For tests and orderly drains.
  bool WaitAllDone(std::chrono::nanoseconds timeout);

  SchedulerStats Stats() const;
  // Accounting of every live (not done) task, in submission order.
  std::vector<TaskAccounting> Snapshot() const;

  const SchedulerOptions& options() const { return options_; }

 private:
  void WorkerLoop();
  void PushRunnableLocked(Task& task) REQUIRES(mu_);
  Task* PopRunnableLocked() REQUIRES(mu_);
  void LinkLocked(Task& task) REQUIRES(mu_);
  void UnlinkLocked(Task& task) REQUIRES(mu_);
  void SetStateLocked(Task& task, TaskState state) REQUIRES(mu_);
  // Marks `task` done, unlinks it, calls OnFinished() with mu_ released and
  // drops the scheduler's reference. mu_ is held again on return.
  void FinishLocked(Task& task, FinishReason reason) REQUIRES(mu_);

  SchedulerOptions options_;

  mutable Mutex mu_;
  CondVar work_cv_;  // Workers: the run queue became non-empty.
  CondVar done_cv_;  // WaitAllDone: a task finished.
  bool stopping_ GUARDED_BY(mu_) = false;
  bool shut_down_ GUARDED_BY(mu_) = false;
  Task* run_head_ GUARDED_BY(mu_) = nullptr;  // FIFO via Task::run_next_.
  Task* run_tail_ GUARDED_BY(mu_) = nullptr;
  Task* all_head_ GUARDED_BY(mu_) = nullptr;  // Live tasks, oldest first.
  Task* all_tail_ GUARDED_BY(mu_) = nullptr;
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  uint64_t live_ GUARDED_BY(mu_) = 0;          // Submitted, OnFinished not done.
  unsigned idle_workers_ GUARDED_BY(mu_) = 0;  // Waiting on work_cv_.
  SchedulerStats stats_ GUARDED_BY(mu_);       // State counts included.

  std::vector<std::thread> workers_;
};

}  // namespace shoal::kernel
