// Kill, shutdown and accounting.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "kernel/sched/sched_test_util.h"
#include "kernel/sched/scheduler.h"

namespace shoal::kernel {
namespace {

using testing::kPatience;
using testing::Spin;
using testing::WaitUntil;

// Runs forever (kPreempted) or parks forever (kParked); records how it ended.
class EndlessTask : public Task {
 public:
  explicit EndlessTask(StepOutcome outcome) : outcome_(outcome) {}
  StepOutcome Step(uint64_t fuel_quantum) override {
    if (kill_requested()) saw_kill_.store(true);
    Spin(1000);
    ChargeFuel(7);
    steps_.fetch_add(1);
    return outcome_;
  }
  void OnFinished(FinishReason reason) override {
    EXPECT_FALSE(finished_.load()) << "OnFinished called twice";
    reason_ = reason;
    finished_.store(true);
  }
  uint64_t steps() const { return steps_.load(); }
  bool finished() const { return finished_.load(); }
  FinishReason reason() const { return reason_; }

 private:
  StepOutcome outcome_;
  std::atomic<uint64_t> steps_{0};
  std::atomic<bool> finished_{false};
  std::atomic<bool> saw_kill_{false};
  FinishReason reason_ = FinishReason::kCompleted;
};

TEST(SchedulerKillTest, KillOfARunningTaskWinsAtTheNextStep) {
  Scheduler scheduler({.workers = 2});
  auto task = std::make_shared<EndlessTask>(StepOutcome::kPreempted);
  ASSERT_TRUE(scheduler.Submit(task).ok());
  ASSERT_TRUE(WaitUntil([&] { return task->steps() >= 5; }));
  scheduler.RequestKill(*task);
  EXPECT_TRUE(task->kill_requested());
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  EXPECT_TRUE(task->finished());
  EXPECT_EQ(task->reason(), FinishReason::kKilled);
  EXPECT_EQ(task->state(), TaskState::kDone);
  EXPECT_EQ(scheduler.Stats().killed, 1u);
}

TEST(SchedulerKillTest, KillOfAParkedTaskWakesAndFinishesItWithoutAStep) {
  Scheduler scheduler({.workers = 2});
  auto task = std::make_shared<EndlessTask>(StepOutcome::kParked);
  ASSERT_TRUE(scheduler.Submit(task).ok());
  ASSERT_TRUE(WaitUntil([&] { return task->state() == TaskState::kParked; }));
  uint64_t steps = task->steps();
  scheduler.RequestKill(*task);
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  EXPECT_EQ(task->reason(), FinishReason::kKilled);
  EXPECT_EQ(task->steps(), steps);
}

TEST(SchedulerKillTest, KillBeforeSubmitFinishesWithoutAnyStep) {
  Scheduler scheduler({.workers = 1});
  auto task = std::make_shared<EndlessTask>(StepOutcome::kPreempted);
  scheduler.RequestKill(*task);
  ASSERT_TRUE(scheduler.Submit(task).ok());
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  EXPECT_EQ(task->steps(), 0u);
  EXPECT_EQ(task->reason(), FinishReason::kKilled);
}

// Kill wins over completion: a task killed while running finishes as killed
// even if that step returned kDone.
class DoneAfterKillTask : public Task {
 public:
  explicit DoneAfterKillTask(Scheduler& scheduler) : scheduler_(scheduler) {}
  StepOutcome Step(uint64_t) override {
    scheduler_.RequestKill(*this);
    return StepOutcome::kDone;
  }
  void OnFinished(FinishReason reason) override { reason_ = reason; }
  std::optional<FinishReason> reason_;

 private:
  Scheduler& scheduler_;
};

TEST(SchedulerKillTest, KillWinsOverCompletionInTheSameStep) {
  Scheduler scheduler({.workers = 1});
  auto task = std::make_shared<DoneAfterKillTask>(scheduler);
  ASSERT_TRUE(scheduler.Submit(task).ok());
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  ASSERT_TRUE(task->reason_.has_value());
  EXPECT_EQ(*task->reason_, FinishReason::kKilled);
}

TEST(SchedulerKillTest, KillsRacingWithWakesFinishEveryTaskOnce) {
  Scheduler scheduler({.workers = 2});
  constexpr int kTasks = 200;
  std::vector<std::shared_ptr<EndlessTask>> tasks;
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(
        std::make_shared<EndlessTask>(i % 2 ? StepOutcome::kParked : StepOutcome::kPreempted));
    ASSERT_TRUE(scheduler.Submit(tasks.back()).ok());
  }
  std::thread waker([&] {
    for (int round = 0; round < 20; ++round) {
      for (auto& task : tasks) scheduler.Wake(*task);
    }
  });
  for (auto& task : tasks) scheduler.RequestKill(*task);
  waker.join();
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  for (auto& task : tasks) {
    EXPECT_TRUE(task->finished());
    EXPECT_EQ(task->reason(), FinishReason::kKilled);
  }
  EXPECT_EQ(scheduler.Stats().killed, uint64_t(kTasks));
}

TEST(SchedulerKillTest, ShutdownReportsUnfinishedTasksAndRefusesNewOnes) {
  Scheduler scheduler({.workers = 1});
  auto spinner = std::make_shared<EndlessTask>(StepOutcome::kPreempted);
  auto spinner2 = std::make_shared<EndlessTask>(StepOutcome::kPreempted);
  auto parked = std::make_shared<EndlessTask>(StepOutcome::kParked);
  ASSERT_TRUE(scheduler.Submit(parked).ok());
  ASSERT_TRUE(WaitUntil([&] { return parked->state() == TaskState::kParked; }));
  ASSERT_TRUE(scheduler.Submit(spinner).ok());
  ASSERT_TRUE(scheduler.Submit(spinner2).ok());
  ASSERT_TRUE(WaitUntil([&] { return spinner2->steps() >= 3; }));

  ShutdownReport report = scheduler.Shutdown();
  ASSERT_EQ(report.unfinished.size(), 3u);
  EXPECT_EQ(report.unfinished[0], parked);  // Submission order.
  EXPECT_EQ(parked->state(), TaskState::kParked);
  EXPECT_EQ(spinner->state(), TaskState::kRunnable);
  EXPECT_FALSE(spinner->finished());

  uint64_t steps = spinner->steps();
  scheduler.Wake(*parked);
  scheduler.RequestKill(*spinner);
  EXPECT_EQ(parked->state(), TaskState::kParked);
  EXPECT_EQ(spinner->steps(), steps);
  auto late = std::make_shared<EndlessTask>(StepOutcome::kDone);
  VoidResult refused = scheduler.Submit(late);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, Status::kNotSupported);
  EXPECT_TRUE(scheduler.Shutdown().unfinished.empty());

  // A leftover task can move to another scheduler and go on from there.
  Scheduler next({.workers = 1});
  ASSERT_TRUE(next.Submit(parked).ok());
  ASSERT_TRUE(WaitUntil([&] { return parked->state() == TaskState::kParked; }));
  next.RequestKill(*parked);
  ASSERT_TRUE(next.WaitAllDone(kPatience));
  EXPECT_EQ(parked->reason(), FinishReason::kKilled);
}

TEST(SchedulerKillTest, AccountingCountsStepsFuelAndCpuTime) {
  for (CpuClock clock : {CpuClock::kThreadCpu, CpuClock::kSteady}) {
    Scheduler scheduler({.workers = 1, .cpu_clock = clock});
    auto task = std::make_shared<EndlessTask>(StepOutcome::kPreempted);
    ASSERT_TRUE(scheduler.Submit(task).ok());
    ASSERT_TRUE(WaitUntil([&] { return task->steps() >= 10; }));
    std::vector<TaskAccounting> snapshot = scheduler.Snapshot();
    ASSERT_EQ(snapshot.size(), 1u);
    EXPECT_EQ(snapshot[0].id, task->id());
    EXPECT_GE(snapshot[0].steps, 10u);
    EXPECT_GE(snapshot[0].fuel_used, 7 * 10u);
    EXPECT_GT(snapshot[0].cpu_ns, 0u);
    EXPECT_FALSE(snapshot[0].kill_requested);
    scheduler.RequestKill(*task);
    ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
    TaskAccounting final_account = task->accounting();
    EXPECT_EQ(final_account.fuel_used, 7 * final_account.steps);
    EXPECT_TRUE(final_account.kill_requested);
    EXPECT_EQ(final_account.state, TaskState::kDone);
  }
}

}  // namespace
}  // namespace shoal::kernel
