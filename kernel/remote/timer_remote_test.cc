// Timers across the wire, over both transports of remote::Pair: a proxied
// timer fires on the serving node's clock no earlier than its deadline, Set
// and Cancel clear kSignaled at once and never see an earlier firing, the
// server enforces kManage, and a cut connection wakes waiters and fails the
// proxy with kPeerGone.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "kernel/object/object_test_support.h"
#include "kernel/object/timer.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::ThreadTimerService;
using kernel::testing::WaitForSignals;
using std::chrono::milliseconds;

constexpr MonotonicNs kMs = 1'000'000;

// Long enough for a firing (or a stale push) to show up if there were one.
constexpr milliseconds kQuiet{200};

class TimerRemoteTest : public testing::ProxiedTest<Timer, TimerOps> {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    SetUpProxy(Timer::Create(timers_).value());
  }

  ThreadTimerService timers_;
};

TEST_P(TimerRemoteTest, FiresNotBeforeItsDeadline) {
  MonotonicNs deadline = MonotonicNow() + 50 * kMs;
  ASSERT_TRUE(remote_->Set(deadline).ok());
  EXPECT_FALSE(Any(remote_->signals(), Signals::kSignaled));
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kSignaled), Signals::kSignaled));
  EXPECT_GE(MonotonicNow(), deadline);
  EXPECT_TRUE(Any(local_->signals(), Signals::kSignaled));
}

TEST_P(TimerRemoteTest, DeadlineInThePastFiresAtOnce) {
  ASSERT_TRUE(remote_->Set(MonotonicNow() - 10 * kMs).ok());
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kSignaled), Signals::kSignaled));
}

TEST_P(TimerRemoteTest, SetAfterFiringClearsSignaledAtOnce) {
  ASSERT_TRUE(remote_->Set(MonotonicNow()).ok());
  ASSERT_TRUE(Any(WaitForSignals(*remote_, Signals::kSignaled), Signals::kSignaled));
  ASSERT_TRUE(remote_->Set(MonotonicNow() + 3600'000 * kMs).ok());
  EXPECT_FALSE(Any(remote_->signals(), Signals::kSignaled));
  // The earlier firing never shows up again, here or there.
  EXPECT_EQ(WaitForSignals(*remote_, Signals::kSignaled, kQuiet), Signals::kNone);
  EXPECT_FALSE(Any(local_->signals(), Signals::kSignaled));
}

TEST_P(TimerRemoteTest, EachSetWaitsForItsOwnDeadline) {
  // A sleep loop: every wait must end at or after its own deadline, never on
  // the previous round's firing.
  for (int round = 0; round < 30; ++round) {
    MonotonicNs deadline = MonotonicNow() + 2 * kMs;
    ASSERT_TRUE(remote_->Set(deadline).ok());
    ASSERT_TRUE(Any(WaitForSignals(*remote_, Signals::kSignaled), Signals::kSignaled));
    ASSERT_GE(MonotonicNow(), deadline) << "round " << round;
  }
}

TEST_P(TimerRemoteTest, CancelDisarms) {
  ASSERT_TRUE(remote_->Set(MonotonicNow() + 50 * kMs).ok());
  ASSERT_TRUE(remote_->Cancel().ok());
  EXPECT_EQ(WaitForSignals(*remote_, Signals::kSignaled, kQuiet), Signals::kNone);
  EXPECT_FALSE(Any(local_->signals(), Signals::kSignaled));
}

TEST_P(TimerRemoteTest, CancelClearsSignaled) {
  ASSERT_TRUE(remote_->Set(MonotonicNow()).ok());
  ASSERT_TRUE(Any(WaitForSignals(*remote_, Signals::kSignaled), Signals::kSignaled));
  ASSERT_TRUE(remote_->Cancel().ok());
  EXPECT_FALSE(Any(remote_->signals(), Signals::kSignaled));
  EXPECT_EQ(WaitForSignals(*remote_, Signals::kSignaled, kQuiet), Signals::kNone);
}

TEST_P(TimerRemoteTest, FiringsOfTheServingSideReachTheProxy) {
  // Another holder of the same timer (here, its own node) arms it.
  ASSERT_TRUE(local_->Set(MonotonicNow() + 10 * kMs).ok());
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kSignaled), Signals::kSignaled));
}

TEST_P(TimerRemoteTest, ServerEnforcesManage) {
  Ref<Timer> other = Timer::Create(timers_).value();
  Ref<TimerOps> watch_only = ProxyOf<TimerOps>(other, Rights::kWait);
  ASSERT_NE(watch_only, nullptr);
  EXPECT_TRUE(watch_only->Set(MonotonicNow()).ok());  // Posted; refused there.
  EXPECT_EQ(WaitForSignals(*watch_only, Signals::kSignaled, kQuiet), Signals::kNone);
  EXPECT_FALSE(Any(other->signals(), Signals::kSignaled));
}

TEST_P(TimerRemoteTest, CutWakesWaitersAndFailsWithPeerGone) {
  ASSERT_TRUE(remote_->Set(MonotonicNow() + 3600'000 * kMs).ok());
  auto waiter =
      std::async(std::launch::async, [&] { return WaitForSignals(*remote_, Signals::kSignaled); });
  std::this_thread::sleep_for(milliseconds(20));
  pair_->Cut();
  Signals woke = waiter.get();
  EXPECT_TRUE(Any(woke, Signals::kSignaled));
  EXPECT_TRUE(Contains(remote_->signals(), Signals::kSignaled | Signals::kPeerClosed));
  VoidResult set = remote_->Set(MonotonicNow());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().status, Status::kPeerGone);
  VoidResult cancel = remote_->Cancel();
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.error().status, Status::kPeerGone);
}

INSTANTIATE_TEST_SUITE_P(Transports, TimerRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
