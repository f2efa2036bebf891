#include "kernel/base/pending_call.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace shoal {
namespace {

struct ReadKey {
  int object = 0;
  std::string path;
  bool operator==(const ReadKey&) const = default;
};
struct OtherKey {
  int object = 0;
  std::string path;
  bool operator==(const OtherKey&) const = default;
};

// An operation that answers only when the test says so.
struct Later {
  std::function<void(int)> done;
  int starts = 0;
  auto Start() {
    return [this](std::function<void(int)> d) {
      ++starts;
      done = std::move(d);
    };
  }
};

TEST(PendingCallTest, ALocalOperationCompletesInline) {
  PendingCall call;
  int starts = 0;
  std::optional<int> got = call.Run<int>(ReadKey{1, "a"}, [&](auto done) {
    ++starts;
    done(42);
  });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, 42);
  EXPECT_EQ(starts, 1);
  EXPECT_FALSE(call.live());
  EXPECT_EQ(call.TakeWait(), nullptr);
  // The same call again is a new operation, not the collected one.
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, [&](auto done) { done(++starts); }), 2);
}

TEST(PendingCallTest, TheRetriedCallCollectsWhatAnotherThreadCompleted) {
  PendingCall call;
  Later op;
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, op.Start()), std::nullopt);
  EXPECT_TRUE(call.live());
  EXPECT_TRUE(call.Holds<int>(ReadKey{1, "a"}));
  EXPECT_FALSE(call.Holds<int>(ReadKey{1, "b"}));
  std::shared_ptr<IoWait> wait = call.TakeWait();
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(call.TakeWait(), nullptr);  // Taken once.
  std::atomic<bool> woken = false;
  wait->OnDone([&] { woken = true; });
  wait.reset();

  // A retry before the completion parks again without starting it twice.
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, op.Start()), std::nullopt);
  EXPECT_EQ(op.starts, 1);
  EXPECT_NE(call.TakeWait(), nullptr);

  std::thread([&] { op.done(7); }).join();
  EXPECT_TRUE(woken);
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, op.Start()), 7);
  EXPECT_EQ(op.starts, 1);
  EXPECT_FALSE(call.live());
}

TEST(PendingCallTest, ACallWithOtherArgumentsAbandonsTheEarlierOne) {
  PendingCall call;
  Later first;
  Later second;
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, first.Start()), std::nullopt);
  std::shared_ptr<IoWait> first_wait = call.TakeWait();
  std::atomic<int> first_wakes = 0;
  first_wait->OnDone([&] { ++first_wakes; });
  first_wait.reset();

  // Another path, then another key type with equal fields: new operations.
  EXPECT_EQ(call.Run<int>(ReadKey{1, "b"}, second.Start()), std::nullopt);
  EXPECT_EQ(second.starts, 1);
  Later third;
  EXPECT_EQ(call.Run<int>(OtherKey{1, "b"}, third.Start()), std::nullopt);
  EXPECT_EQ(third.starts, 1);

  // The abandoned completions land on other threads, harmlessly; the live
  // one is collected.
  std::thread([&] { first.done(1); }).join();
  std::thread([&] { second.done(2); }).join();
  EXPECT_EQ(first_wakes, 1);  // Its waiter is told, even though nobody collects.
  third.done(3);
  EXPECT_EQ(call.Run<int>(OtherKey{1, "b"}, third.Start()), 3);
  // The first key is not in flight any more: a retry starts it afresh.
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, [](auto done) { done(10); }), 10);
}

TEST(PendingCallTest, AnAbandonedOutcomeIsFreedWhenItsCompletionHasRun) {
  auto payload = std::make_shared<int>(5);
  std::weak_ptr<int> watch = payload;
  std::function<void(std::shared_ptr<int>)> done;
  {
    PendingCall call;
    EXPECT_EQ(call.Run<std::shared_ptr<int>>(ReadKey{1, "a"}, [&](auto d) { done = d; }),
              std::nullopt);
  }  // The process ended while the call was in flight.
  std::thread([&] { done(std::move(payload)); }).join();
  EXPECT_TRUE(watch.expired());

  // An outcome that arrived but was never collected goes with Abandon().
  payload = std::make_shared<int>(6);
  watch = payload;
  PendingCall call;
  EXPECT_EQ(call.Run<std::shared_ptr<int>>(ReadKey{1, "a"}, [&](auto d) { done = d; }),
            std::nullopt);
  done(std::move(payload));
  EXPECT_FALSE(watch.expired());  // Held for the retry...
  call.Abandon();
  EXPECT_TRUE(watch.expired());  // ...until the call is abandoned.
}

TEST(PendingCallTest, ACollectedRecordIsReusedForTheNextOperationOfItsKind) {
  PendingCall call;
  Later op;
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, op.Start()), std::nullopt);
  IoWait* first = call.TakeWait().get();
  op.done(1);
  EXPECT_EQ(call.Run<int>(ReadKey{1, "a"}, op.Start()), 1);
  EXPECT_EQ(call.Run<int>(ReadKey{2, "b"}, op.Start()), std::nullopt);
  EXPECT_EQ(call.TakeWait().get(), first);
  op.done(2);
  EXPECT_EQ(call.Run<int>(ReadKey{2, "b"}, op.Start()), 2);
}

TEST(PendingCallTest, ACompletionRacingItsAbandonmentIsSafe) {
  // Under the sanitizers this shows the orphan hand-off has no data race and
  // no leak, whichever side wins.
  for (int i = 0; i < 2000; ++i) {
    PendingCall call;
    std::function<void(int)> done;
    EXPECT_EQ(call.Run<int>(ReadKey{i, "a"}, [&](auto d) { done = d; }), std::nullopt);
    std::shared_ptr<IoWait> wait = call.TakeWait();
    std::atomic<bool> woken = false;
    wait->OnDone([&] { woken = true; });
    wait.reset();
    std::thread completer([&] { done(i); });
    if (i % 2 == 0) call.Abandon();
    completer.join();
    EXPECT_TRUE(woken);
  }
}

TEST(IoWaitTest, AWakerRegisteredAfterTheCompletionRunsAtOnce) {
  IoWait wait;
  int woken = 0;
  wait.OnDone([&] { woken += 1; });
  wait.OnDone([&] { woken += 10; });  // Replaces the first, which has not run.
  EXPECT_FALSE(wait.done());
  wait.Complete();
  EXPECT_TRUE(wait.done());
  EXPECT_EQ(woken, 10);
  wait.OnDone([&] { woken += 100; });
  EXPECT_EQ(woken, 110);
}

}  // namespace
}  // namespace shoal
