// Timer behaviour, run against local timers and against proxies of them over
// every transport (ops_test_support.h), with a real TimerService thread
// (kernel::testing::ThreadTimerService).
#include <gtest/gtest.h>

#include "kernel/object/object_test_support.h"
#include "kernel/object/timer.h"
#include "kernel/remote/ops_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using namespace testing;  // ops_test_support.h

constexpr MonotonicNs kMillisecond = 1'000'000;
constexpr MonotonicNs kHour = 3600'000 * kMillisecond;

class TimerTest : public OpsTest {};

TEST_P(TimerTest, NewTimerIsNotSignaled) {
  auto timer = objects_.CreateTimer();
  EXPECT_EQ(timer->signals(), Signals::kNone);
}

TEST_P(TimerTest, TimerIsSignaledOnceItsDeadlinePasses) {
  auto timer = objects_.CreateTimer();
  MonotonicNs deadline = MonotonicNow() + 5 * kMillisecond;
  ASSERT_TRUE(timer->Set(deadline).ok());
  EXPECT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
  EXPECT_GE(MonotonicNow(), deadline);
  EXPECT_TRUE(Any(timer->signals(), Signals::kSignaled));
}

TEST_P(TimerTest, PastDeadlineFires) {
  auto timer = objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(0).ok());
  EXPECT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
}

TEST_P(TimerTest, SetAgainClearsSignaled) {
  auto timer = objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(0).ok());
  ASSERT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
  ASSERT_TRUE(timer->Set(MonotonicNow() + kHour).ok());
  EXPECT_EQ(timer->signals(), Signals::kNone);
}

TEST_P(TimerTest, CancelledTimerNeverFires) {
  auto timer = objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(MonotonicNow() + 20 * kMillisecond).ok());
  ASSERT_TRUE(timer->Cancel().ok());
  // A second timer that fires later proves the service ran past the first
  // deadline.
  auto later = objects_.CreateTimer();
  ASSERT_TRUE(later->Set(MonotonicNow() + 40 * kMillisecond).ok());
  ASSERT_TRUE(Any(WaitForSignals(*later, Signals::kSignaled), Signals::kSignaled));
  EXPECT_EQ(timer->signals(), Signals::kNone);
}

TEST_P(TimerTest, ResetReplacesTheEarlierDeadline) {
  auto timer = objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(MonotonicNow() + 10 * kMillisecond).ok());
  ASSERT_TRUE(timer->Set(MonotonicNow() + kHour).ok());
  auto probe = objects_.CreateTimer();
  ASSERT_TRUE(probe->Set(MonotonicNow() + 30 * kMillisecond).ok());
  ASSERT_TRUE(Any(WaitForSignals(*probe, Signals::kSignaled), Signals::kSignaled));
  EXPECT_EQ(timer->signals(), Signals::kNone);
  EXPECT_TRUE(timer->Cancel().ok());
}

TEST_P(TimerTest, DestroyingAnArmedTimerIsSafe) {
  auto timer = objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(MonotonicNow() + kMillisecond).ok());
  timer.reset();
  auto probe = objects_.CreateTimer();
  ASSERT_TRUE(probe->Set(MonotonicNow() + 5 * kMillisecond).ok());
  EXPECT_TRUE(Any(WaitForSignals(*probe, Signals::kSignaled), Signals::kSignaled));
}

INSTANTIATE_TEST_SUITE_P(Local, TimerTest, ::testing::Values(Where()), WhereName());
INSTANTIATE_TEST_SUITE_P(Wire, TimerTest, testing::AllTransports(), WhereName());

}  // namespace
}  // namespace shoal::kernel::remote
