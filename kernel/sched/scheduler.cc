#include "kernel/sched/scheduler.h"

#include "kernel/base/clock.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace shoal::kernel {
namespace {

uint64_t ClockNs(CpuClock clock) {
  return ReadClockNs(clock == CpuClock::kThreadCpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC);
}

// The count in `stats` of tasks in `state`, or null for a state not counted.
uint64_t* StateCount(SchedulerStats& stats, TaskState state) {
  switch (state) {
    case TaskState::kRunnable:
      return &stats.runnable;
    case TaskState::kRunning:
      return &stats.running;
    case TaskState::kParked:
      return &stats.parked;
    default:
      return nullptr;
  }
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options) : options_(options) {
  if (options_.workers == 0) options_.workers = std::max(1u, std::thread::hardware_concurrency());
  if (options_.fuel_quantum == 0) options_.fuel_quantum = 1;
  stats_.workers = options_.workers;
  workers_.reserve(options_.workers);
  for (unsigned i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Scheduler::~Scheduler() { (void)Shutdown(); }

VoidResult Scheduler::Submit(std::shared_ptr<Task> task) {
  if (!task) return MakeError(Status::kInvalidArgs, "Submit of a null task");
  MutexLock lock(&mu_);
  if (shut_down_) return MakeError(Status::kNotSupported, "the scheduler is shut down");
  if (task->scheduler_ != nullptr || task->state() == TaskState::kDone) {
    return MakeError(Status::kInvalidArgs, "the task is done or already submitted");
  }
  Task& t = *task;
  t.scheduler_ = this;
  if (t.id_ == 0) t.id_ = next_id_++;
  t.self_ = std::move(task);
  t.wake_pending_ = false;
  LinkLocked(t);
  ++live_;
  // A parked task left by another scheduler keeps no wake: run it once so it
  // re-checks what it waits for.
  t.state_.store(TaskState::kNew, std::memory_order_release);
  PushRunnableLocked(t);
  return Ok();
}

void Scheduler::Wake(Task& task) {
  MutexLock lock(&mu_);
  if (task.scheduler_ != this) return;
  switch (task.state()) {
    case TaskState::kParked:
      ++stats_.wakes;
      PushRunnableLocked(task);
      break;
    case TaskState::kRunning:
      task.wake_pending_ = true;
      break;
    default:
      break;  // Runnable: it will run anyway. Done or new: nothing to wake.
  }
}

void Scheduler::RequestKill(Task& task) {
  MutexLock lock(&mu_);
  task.kill_requested_.store(true, std::memory_order_release);
  if (task.scheduler_ == this && task.state() == TaskState::kParked) PushRunnableLocked(task);
}

ShutdownReport Scheduler::Shutdown() {
  MutexLock lock(&mu_);
  if (shut_down_) return {};
  shut_down_ = true;
  stopping_ = true;
  work_cv_.SignalAll();
  lock.Unlock();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  lock.Lock();
  ShutdownReport report;
  for (Task* t = all_head_; t != nullptr;) {
    Task* next = t->all_next_;
    t->run_next_ = t->all_prev_ = t->all_next_ = nullptr;
    t->scheduler_ = nullptr;
    t->wake_pending_ = false;
    report.unfinished.push_back(std::move(t->self_));
    t = next;
  }
  all_head_ = all_tail_ = run_head_ = run_tail_ = nullptr;
  live_ = 0;
  stats_.runnable = stats_.running = stats_.parked = stats_.run_queue_length = 0;
  done_cv_.SignalAll();
  return report;
}

bool Scheduler::WaitAllDone(std::chrono::nanoseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (live_ != 0) {
    if (!done_cv_.WaitUntil(mu_, deadline)) break;
  }
  return live_ == 0;
}

SchedulerStats Scheduler::Stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

std::vector<TaskAccounting> Scheduler::Snapshot() const {
  MutexLock lock(&mu_);
  std::vector<TaskAccounting> out;
  out.reserve(live_);
  for (const Task* t = all_head_; t != nullptr; t = t->all_next_) out.push_back(t->accounting());
  return out;
}

void Scheduler::WorkerLoop() {
  MutexLock lock(&mu_);
  for (;;) {
    ++idle_workers_;
    while (!stopping_ && run_head_ == nullptr) work_cv_.Wait(mu_);
    --idle_workers_;
    if (stopping_) return;
    Task& task = *PopRunnableLocked();
    if (task.kill_requested()) {
      FinishLocked(task, FinishReason::kKilled);
      continue;
    }
    SetStateLocked(task, TaskState::kRunning);
    task.wake_pending_ = false;  // A wake before this step is served by it.
    lock.Unlock();

    uint64_t start = ClockNs(options_.cpu_clock);
    StepOutcome outcome = task.Step(options_.fuel_quantum);
    uint64_t elapsed = ClockNs(options_.cpu_clock) - start;
    task.cpu_ns_.fetch_add(elapsed, std::memory_order_relaxed);
    task.steps_.fetch_add(1, std::memory_order_relaxed);

    lock.Lock();
    ++stats_.steps;
    if (task.kill_requested()) {
      FinishLocked(task, FinishReason::kKilled);
    } else if (outcome == StepOutcome::kDone) {
      FinishLocked(task, FinishReason::kCompleted);
    } else if (outcome == StepOutcome::kPreempted || task.wake_pending_) {
      task.wake_pending_ = false;
      PushRunnableLocked(task);
    } else {
      SetStateLocked(task, TaskState::kParked);
    }
  }
}

void Scheduler::PushRunnableLocked(Task& task) {
  SetStateLocked(task, TaskState::kRunnable);
  task.run_next_ = nullptr;
  if (run_tail_ != nullptr) {
    run_tail_->run_next_ = &task;
  } else {
    run_head_ = &task;
  }
  run_tail_ = &task;
  // A worker that re-queues its own task comes back for work itself; wake a
  // sleeping one only if there is one, so a busy node makes no futex calls.
  if (idle_workers_ > 0) work_cv_.Signal();
}

Task* Scheduler::PopRunnableLocked() {
  Task* task = run_head_;
  assert(task != nullptr);
  run_head_ = task->run_next_;
  if (run_head_ == nullptr) run_tail_ = nullptr;
  task->run_next_ = nullptr;
  return task;
}

void Scheduler::LinkLocked(Task& task) {
  task.all_next_ = nullptr;
  task.all_prev_ = all_tail_;
  if (all_tail_ != nullptr) {
    all_tail_->all_next_ = &task;
  } else {
    all_head_ = &task;
  }
  all_tail_ = &task;
}

void Scheduler::UnlinkLocked(Task& task) {
  (task.all_prev_ ? task.all_prev_->all_next_ : all_head_) = task.all_next_;
  (task.all_next_ ? task.all_next_->all_prev_ : all_tail_) = task.all_prev_;
  task.all_prev_ = task.all_next_ = nullptr;
}

void Scheduler::SetStateLocked(Task& task, TaskState state) {
  if (uint64_t* old_count = StateCount(stats_, task.state())) --*old_count;
  if (uint64_t* new_count = StateCount(stats_, state)) ++*new_count;
  stats_.run_queue_length = stats_.runnable;
  task.state_.store(state, std::memory_order_release);
}

void Scheduler::FinishLocked(Task& task, FinishReason reason) {
  SetStateLocked(task, TaskState::kDone);
  task.wake_pending_ = false;
  UnlinkLocked(task);
  ++stats_.finished;
  if (reason == FinishReason::kKilled) ++stats_.killed;
  std::shared_ptr<Task> ref = std::move(task.self_);
  mu_.Unlock();
  ref->OnFinished(reason);
  ref.reset();  // May destroy the task; outside the lock.
  mu_.Lock();
  --live_;
  if (live_ == 0) done_cv_.SignalAll();
}

}  // namespace shoal::kernel
