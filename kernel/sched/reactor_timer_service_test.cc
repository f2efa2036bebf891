// The TimerService on the reactor, and tasks that sleep on it.
#include "kernel/sched/reactor_timer_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <vector>

#include "kernel/sched/sched_test_util.h"
#include "kernel/sched/scheduler.h"

namespace shoal::kernel {
namespace {

using testing::EventCounter;
using testing::kPatience;

std::unique_ptr<Reactor> MakeReactor() {
  Result<std::unique_ptr<Reactor>> reactor = Reactor::Create();
  EXPECT_TRUE(reactor.ok());
  return reactor.ok() ? std::move(reactor).value() : nullptr;
}

TEST(ReactorTimerServiceTest, TenThousandTimersFireInOrderAndCancelledOnesNever) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  ReactorTimerService timers(*reactor);
  constexpr int kTimers = 10'000;
  std::mt19937 rng(11);
  MonotonicNs base = MonotonicNow() + 50'000'000;
  std::mutex mu;
  std::vector<MonotonicNs> fired;
  std::atomic<int> fired_cancelled{0};
  EventCounter done;
  std::vector<TimerService::TimerId> ids;
  std::vector<bool> cancel(kTimers);
  for (int i = 0; i < kTimers; ++i) {
    cancel[i] = i % 10 == 0;
    // Timers to cancel are due in an hour, so none can fire before Cancel().
    MonotonicNs deadline = base + rng() % 200'000'000 + (cancel[i] ? 3600'000'000'000ull : 0);
    bool cancelled = cancel[i];
    ids.push_back(timers.Schedule(deadline, [&, deadline, cancelled] {
      EXPECT_TRUE(reactor->OnReactorThread());
      if (cancelled) ++fired_cancelled;
      std::lock_guard lock(mu);
      fired.push_back(deadline);
      done.Add();
    }));
  }
  // Deadline order holds among timers that were scheduled before they were
  // due (an overdue one fires at the next expiry): all timers due after this.
  MonotonicNs all_scheduled = MonotonicNow();
  int cancelled = 0;
  for (int i = 0; i < kTimers; ++i) {
    if (cancel[i]) cancelled += timers.Cancel(ids[i]);
  }
  EXPECT_FALSE(timers.Cancel(ids[0]));  // Cancelled already.
  EXPECT_EQ(cancelled, kTimers / 10);
  ASSERT_TRUE(done.WaitFor(kTimers - kTimers / 10));
  EXPECT_EQ(fired_cancelled.load(), 0);
  EXPECT_EQ(timers.pending(), 0u);
  std::lock_guard lock(mu);
  EXPECT_EQ(fired.size(), size_t(kTimers - kTimers / 10));
  std::vector<MonotonicNs> on_time;
  for (MonotonicNs deadline : fired) {
    if (deadline > all_scheduled) on_time.push_back(deadline);
  }
  EXPECT_TRUE(std::is_sorted(on_time.begin(), on_time.end()));
  EXPECT_GE(MonotonicNow(), *std::max_element(fired.begin(), fired.end()));
  // Fired timers cannot be cancelled; ids are never reused.
  EXPECT_FALSE(timers.Cancel(ids[1]));
  EXPECT_FALSE(timers.Cancel(0));
  EXPECT_EQ(std::set<TimerService::TimerId>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(ReactorTimerServiceTest, EarlierTimerScheduledLaterFiresFirst) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  ReactorTimerService timers(*reactor);
  std::mutex mu;
  std::vector<int> order;
  EventCounter done;
  auto record = [&](int n) {
    return [&, n] {
      std::lock_guard lock(mu);
      order.push_back(n);
      done.Add();
    };
  };
  MonotonicNs now = MonotonicNow();
  timers.Schedule(now + 300'000'000, record(3));
  timers.Schedule(now + 100'000'000, record(2));
  timers.Schedule(0, record(1));  // Already due: fires at once.
  ASSERT_TRUE(done.WaitFor(3));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(ReactorTimerServiceTest, CallbacksMayScheduleAndCancel) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  ReactorTimerService timers(*reactor);
  EventCounter done;
  std::atomic<int> chain{0};
  std::function<void()> next = [&] {
    if (++chain == 50) {
      done.Add();
      return;
    }
    TimerService::TimerId doomed = timers.Schedule(
        MonotonicNow() + 1'000'000'000, [&] { ADD_FAILURE() << "cancelled timer fired"; });
    EXPECT_TRUE(timers.Cancel(doomed));
    timers.Schedule(MonotonicNow(), next);
  };
  timers.Schedule(MonotonicNow(), next);
  ASSERT_TRUE(done.WaitFor(1));
  EXPECT_EQ(chain.load(), 50);
}

// Sleeps on the timer service: parks, and the timer wakes it. This is the
// shape of a process's sleeping host call.
class SleepTask : public Task {
 public:
  SleepTask(Scheduler& scheduler, TimerService& timers, MonotonicNs deadline)
      : scheduler_(scheduler), timers_(timers), deadline_(deadline) {}
  StepOutcome Step(uint64_t) override {
    if (MonotonicNow() >= deadline_) return StepOutcome::kDone;
    if (!armed_) {
      armed_ = true;
      // The callback holds a reference: the task outlives its wake-up.
      std::shared_ptr<Task> self = self_ref_;
      timers_.Schedule(deadline_, [this, self] { scheduler_.Wake(*self); });
    }
    return StepOutcome::kParked;
  }
  std::shared_ptr<Task> self_ref_;

 private:
  Scheduler& scheduler_;
  TimerService& timers_;
  MonotonicNs deadline_;
  bool armed_ = false;
};

TEST(ReactorTimerServiceTest, SleepingTasksParkAndWakeOnTime) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  ReactorTimerService timers(*reactor);
  Scheduler scheduler({.workers = 2});
  constexpr int kTasks = 1000;
  std::mt19937 rng(5);
  std::vector<std::shared_ptr<SleepTask>> tasks;
  MonotonicNs base = MonotonicNow();
  for (int i = 0; i < kTasks; ++i) {
    auto task = std::make_shared<SleepTask>(scheduler, timers, base + rng() % 100'000'000);
    task->self_ref_ = task;
    tasks.push_back(task);
    ASSERT_TRUE(scheduler.Submit(task).ok());
  }
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  for (auto& task : tasks) {
    EXPECT_LE(task->accounting().steps, 2u);  // Runs, parks, wakes: no polling.
    task->self_ref_.reset();
  }
  scheduler.Shutdown();
  reactor->Shutdown();
}

}  // namespace
}  // namespace shoal::kernel
