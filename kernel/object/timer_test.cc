// Timer behaviour, run against local timers and against proxies, with a real
// TimerService thread (testing::ThreadTimerService).
#include "kernel/object/timer.h"

#include <gtest/gtest.h>

#include "kernel/object/object_test_support.h"

namespace shoal::kernel {
namespace {

using testing::FactoryName;
using testing::ObjectFactories;
using testing::WaitForSignals;

constexpr MonotonicNs kMillisecond = 1'000'000;
constexpr MonotonicNs kHour = 3600'000 * kMillisecond;

template <typename Factory>
class TimerTest : public ::testing::Test {
 protected:
  Factory objects_;
};
TYPED_TEST_SUITE(TimerTest, ObjectFactories, FactoryName);

TYPED_TEST(TimerTest, NewTimerIsNotSignaled) {
  auto timer = this->objects_.CreateTimer();
  EXPECT_EQ(timer->signals(), Signals::kNone);
}

TYPED_TEST(TimerTest, TimerIsSignaledOnceItsDeadlinePasses) {
  auto timer = this->objects_.CreateTimer();
  MonotonicNs deadline = MonotonicNow() + 5 * kMillisecond;
  ASSERT_TRUE(timer->Set(deadline).ok());
  EXPECT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
  EXPECT_GE(MonotonicNow(), deadline);
  EXPECT_TRUE(Any(timer->signals(), Signals::kSignaled));
}

TYPED_TEST(TimerTest, PastDeadlineFires) {
  auto timer = this->objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(0).ok());
  EXPECT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
}

TYPED_TEST(TimerTest, SetAgainClearsSignaled) {
  auto timer = this->objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(0).ok());
  ASSERT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
  ASSERT_TRUE(timer->Set(MonotonicNow() + kHour).ok());
  EXPECT_EQ(timer->signals(), Signals::kNone);
}

TYPED_TEST(TimerTest, CancelledTimerNeverFires) {
  auto timer = this->objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(MonotonicNow() + 20 * kMillisecond).ok());
  ASSERT_TRUE(timer->Cancel().ok());
  // A second timer that fires later proves the service ran past the first
  // deadline.
  auto later = this->objects_.CreateTimer();
  ASSERT_TRUE(later->Set(MonotonicNow() + 40 * kMillisecond).ok());
  ASSERT_TRUE(Any(WaitForSignals(*later, Signals::kSignaled), Signals::kSignaled));
  EXPECT_EQ(timer->signals(), Signals::kNone);
}

TYPED_TEST(TimerTest, ResetReplacesTheEarlierDeadline) {
  auto timer = this->objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(MonotonicNow() + 10 * kMillisecond).ok());
  ASSERT_TRUE(timer->Set(MonotonicNow() + kHour).ok());
  auto probe = this->objects_.CreateTimer();
  ASSERT_TRUE(probe->Set(MonotonicNow() + 30 * kMillisecond).ok());
  ASSERT_TRUE(Any(WaitForSignals(*probe, Signals::kSignaled), Signals::kSignaled));
  EXPECT_EQ(timer->signals(), Signals::kNone);
  EXPECT_TRUE(timer->Cancel().ok());
}

TYPED_TEST(TimerTest, DestroyingAnArmedTimerIsSafe) {
  auto timer = this->objects_.CreateTimer();
  ASSERT_TRUE(timer->Set(MonotonicNow() + kMillisecond).ok());
  timer.reset();
  auto probe = this->objects_.CreateTimer();
  ASSERT_TRUE(probe->Set(MonotonicNow() + 5 * kMillisecond).ok());
  EXPECT_TRUE(Any(WaitForSignals(*probe, Signals::kSignaled), Signals::kSignaled));
}

}  // namespace
}  // namespace shoal::kernel
