// Scheduling: fairness, no starvation, parking and waking (with the lost-wake
// race hammered), and many parked tasks.
#include "kernel/sched/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "kernel/sched/sched_test_util.h"

namespace shoal::kernel {
namespace {

using testing::kPatience;
using testing::Spin;
using testing::WaitUntil;

// Always runnable until `stop` is set; counts its steps once `go` is set
// (so that tasks submitted one after the other start counting together).
class SpinTask : public Task {
 public:
  explicit SpinTask(std::atomic<bool>& stop, uint64_t stop_after = UINT64_MAX,
                    const std::atomic<bool>* go = nullptr)
      : stop_(stop), stop_after_(stop_after), go_(go) {}
  StepOutcome Step(uint64_t fuel_quantum) override {
    if (stop_.load()) return StepOutcome::kDone;
    if (go_ != nullptr && !go_->load()) return StepOutcome::kPreempted;
    Spin(2000);
    ChargeFuel(fuel_quantum);
    if (++steps_ >= stop_after_) {
      stop_.store(true);
      return StepOutcome::kDone;
    }
    return StepOutcome::kPreempted;
  }
  uint64_t steps() const { return steps_.load(); }

 private:
  std::atomic<bool>& stop_;
  uint64_t stop_after_;
  const std::atomic<bool>* go_;
  std::atomic<uint64_t> steps_{0};
};

// With one worker the FIFO gives exact round-robin: when the first task
// reaches kSteps, every other is at most one step behind.
TEST(SchedulerTest, SpinningTasksGetEqualSharesOnOneWorker) {
  Scheduler scheduler({.workers = 1, .fuel_quantum = 1000});
  std::atomic<bool> stop{false};
  std::atomic<bool> go{false};
  constexpr uint64_t kSteps = 2000;
  std::vector<std::shared_ptr<SpinTask>> tasks;
  for (int i = 0; i < 6; ++i) {
    tasks.push_back(std::make_shared<SpinTask>(stop, kSteps, &go));
    ASSERT_TRUE(scheduler.Submit(tasks.back()).ok());
  }
  go.store(true);
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  for (const auto& task : tasks) {
    EXPECT_GE(task->steps() + 1, kSteps);
    EXPECT_EQ(task->accounting().fuel_used, task->steps() * 1000);
  }
  EXPECT_GE(scheduler.Stats().steps, 6 * (kSteps - 1));
}

// With several workers the scheduler still dispatches in FIFO order, but the
// host may stall a worker thread (this machine is shared) while it holds a
// task, which delays that task alone; so the bound is loose: no task gets
// less than a quarter of the leader's share.
TEST(SchedulerTest, SpinningTasksShareTwoWorkers) {
  Scheduler scheduler({.workers = 2, .fuel_quantum = 1000});
  std::atomic<bool> stop{false};
  std::atomic<bool> go{false};
  constexpr uint64_t kSteps = 3000;
  std::vector<std::shared_ptr<SpinTask>> tasks;
  for (int i = 0; i < 6; ++i) {
    tasks.push_back(std::make_shared<SpinTask>(stop, kSteps, &go));
    ASSERT_TRUE(scheduler.Submit(tasks.back()).ok());
  }
  go.store(true);
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  for (const auto& task : tasks) EXPECT_GE(task->steps(), kSteps / 4);
}

// Needs `needed` steps, then is done. Calls `on_start` in its first step and
// `on_done` when finished, both on the worker.
class ShortTask : public Task {
 public:
  ShortTask(uint64_t needed, std::function<void()> on_start, std::function<void()> on_done)
      : needed_(needed), on_start_(std::move(on_start)), on_done_(std::move(on_done)) {}
  StepOutcome Step(uint64_t) override {
    if (steps_ == 0) on_start_();
    Spin(2000);
    return ++steps_ >= needed_ ? StepOutcome::kDone : StepOutcome::kPreempted;
  }
  void OnFinished(FinishReason) override { on_done_(); }

 private:
  uint64_t needed_;
  uint64_t steps_ = 0;
  std::function<void()> on_start_;
  std::function<void()> on_done_;
};

TEST(SchedulerTest, AlwaysRunnableTasksCannotStarveANewcomer) {
  Scheduler scheduler({.workers = 1});
  std::atomic<bool> stop{false};
  std::vector<std::shared_ptr<SpinTask>> hogs;
  for (int i = 0; i < 4; ++i) {
    hogs.push_back(std::make_shared<SpinTask>(stop));
    ASSERT_TRUE(scheduler.Submit(hogs.back()).ok());
  }
  ASSERT_TRUE(WaitUntil([&] { return hogs.back()->steps() >= 10; }));

  // Hog steps are read on the one worker, in the newcomer's first step and
  // when it is done, so no hog runs during a read and the deltas are exact.
  std::vector<uint64_t> at_start(hogs.size());
  std::vector<uint64_t> at_end(hogs.size());
  std::atomic<bool> done{false};
  auto late = std::make_shared<ShortTask>(
      20,
      [&] {
        for (size_t i = 0; i < hogs.size(); ++i) at_start[i] = hogs[i]->steps();
      },
      [&] {
        for (size_t i = 0; i < hogs.size(); ++i) at_end[i] = hogs[i]->steps();
        done.store(true);
      });
  ASSERT_TRUE(scheduler.Submit(late).ok());
  ASSERT_TRUE(WaitUntil([&] { return done.load(); }));
  // Between the newcomer's first and last step (20 steps, 19 turns of the
  // queue) each hog ran exactly once per turn.
  for (size_t i = 0; i < hogs.size(); ++i) EXPECT_EQ(at_end[i] - at_start[i], 19u) << "hog " << i;
  stop.store(true);
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
}

// Two tasks pass a token back and forth through Wake(), `rounds` times each.
// Each wake may land while the other task is still inside Step() about to
// return kParked: a lost wake would leave both parked forever.
class PingPongTask : public Task {
 public:
  PingPongTask(Scheduler& scheduler, uint64_t rounds) : scheduler_(scheduler), rounds_(rounds) {}
  void set_peer(std::shared_ptr<PingPongTask> peer) { peer_ = std::move(peer); }
  void Give() { token_.store(true); }

  StepOutcome Step(uint64_t) override {
    if (token_.exchange(false)) {
      ++rounds_done_;
      PingPongTask& peer = *peer_;
      peer.Give();
      scheduler_.Wake(peer);
      if (rounds_done_ == rounds_) {
        peer_.reset();  // Breaks the reference cycle.
        return StepOutcome::kDone;
      }
    }
    return StepOutcome::kParked;
  }
  uint64_t rounds_done() const { return rounds_done_; }

 private:
  Scheduler& scheduler_;
  uint64_t rounds_;
  uint64_t rounds_done_ = 0;
  std::atomic<bool> token_{false};
  std::shared_ptr<PingPongTask> peer_;
};

TEST(SchedulerTest, PingPongThroughWakeLosesNoWake) {
  Scheduler scheduler({.workers = 2});
  constexpr uint64_t kRounds = 20'000;
  auto a = std::make_shared<PingPongTask>(scheduler, kRounds);
  auto b = std::make_shared<PingPongTask>(scheduler, kRounds);
  a->set_peer(b);
  b->set_peer(a);
  a->Give();
  ASSERT_TRUE(scheduler.Submit(a).ok());
  ASSERT_TRUE(scheduler.Submit(b).ok());
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  EXPECT_EQ(a->rounds_done(), kRounds);
  EXPECT_EQ(b->rounds_done(), kRounds);
  EXPECT_GE(scheduler.Stats().wakes, kRounds);
}

// Consumes a counter that another thread bumps; parks when it has caught up.
class ConsumerTask : public Task {
 public:
  ConsumerTask(std::atomic<uint64_t>& produced, uint64_t total)
      : produced_(produced), total_(total) {}
  StepOutcome Step(uint64_t) override {
    consumed_ = produced_.load();
    if (consumed_ == total_) return StepOutcome::kDone;
    Spin(50);  // Widens the window between the check and parking.
    return StepOutcome::kParked;
  }
  uint64_t consumed() const { return consumed_; }

 private:
  std::atomic<uint64_t>& produced_;
  uint64_t total_;
  uint64_t consumed_ = 0;
};

TEST(SchedulerTest, WakesFromAnotherThreadRacingWithParkingAreNotLost) {
  Scheduler scheduler({.workers = 2});
  constexpr uint64_t kTotal = 50'000;
  std::atomic<uint64_t> produced{0};
  auto consumer = std::make_shared<ConsumerTask>(produced, kTotal);
  ASSERT_TRUE(scheduler.Submit(consumer).ok());
  std::thread producer([&] {
    for (uint64_t i = 0; i < kTotal; ++i) {
      produced.fetch_add(1);
      scheduler.Wake(*consumer);
      if (i % 64 == 0) std::this_thread::yield();
    }
  });
  producer.join();
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  EXPECT_EQ(consumer->consumed(), kTotal);
}

// Parks on its first step, finishes on the second.
class ParkOnceTask : public Task {
 public:
  StepOutcome Step(uint64_t) override {
    return steps_++ == 0 ? StepOutcome::kParked : StepOutcome::kDone;
  }

 private:
  int steps_ = 0;
};

TEST(SchedulerTest, TenThousandParkedTasksCostNoWorkerAndAllWake) {
  Scheduler scheduler({.workers = 2});
  constexpr size_t kTasks = 10'000;
  std::vector<std::shared_ptr<ParkOnceTask>> tasks;
  for (size_t i = 0; i < kTasks; ++i) {
    tasks.push_back(std::make_shared<ParkOnceTask>());
    ASSERT_TRUE(scheduler.Submit(tasks.back()).ok());
  }
  ASSERT_TRUE(WaitUntil([&] { return scheduler.Stats().parked == kTasks; }));
  SchedulerStats stats = scheduler.Stats();
  EXPECT_EQ(stats.running, 0u);
  EXPECT_EQ(stats.run_queue_length, 0u);
  EXPECT_EQ(scheduler.Snapshot().size(), kTasks);

  std::thread waker([&] {
    for (auto& task : tasks) scheduler.Wake(*task);
  });
  waker.join();
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  for (auto& task : tasks) ASSERT_EQ(task->accounting().steps, 2u);
  EXPECT_EQ(scheduler.Stats().finished, kTasks);
  EXPECT_TRUE(scheduler.Snapshot().empty());
}

TEST(SchedulerTest, WakeOfRunnableOrDoneTaskChangesNothing) {
  Scheduler scheduler({.workers = 1});
  auto task = std::make_shared<ParkOnceTask>();
  ASSERT_TRUE(scheduler.Submit(task).ok());
  ASSERT_TRUE(WaitUntil([&] { return task->state() == TaskState::kParked; }));
  scheduler.Wake(*task);
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  scheduler.Wake(*task);
  scheduler.Wake(*task);
  EXPECT_EQ(task->state(), TaskState::kDone);
  EXPECT_EQ(task->accounting().steps, 2u);
  EXPECT_EQ(scheduler.Stats().wakes, 1u);
}

TEST(SchedulerTest, SubmittingTwiceIsRefused) {
  Scheduler scheduler({.workers = 1});
  auto task = std::make_shared<ParkOnceTask>();
  ASSERT_TRUE(scheduler.Submit(task).ok());
  VoidResult again = scheduler.Submit(task);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, Status::kInvalidArgs);
  Scheduler other({.workers = 1});
  EXPECT_FALSE(other.Submit(task).ok());
  EXPECT_FALSE(scheduler.Submit(nullptr).ok());
}

}  // namespace
}  // namespace shoal::kernel
