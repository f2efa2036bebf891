#include "kernel/object/object.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace shoal::kernel {
namespace {

// The smallest object: its signals are set by the test.
class TestObject final : public KernelObject {
 public:
  TestObject() : KernelObject(ObjectType::kDevice) {}
  void Set(Signals clear, Signals set) {
    Notifications fired;
    UpdateSignals(clear, set, fired);
  }
  void Pulse(Signals bits) {
    Notifications fired;
    PulseSignals(bits, fired);
  }
};

TEST(KernelObjectTest, ObserverFiresAtOnceWhenASignalIsAlreadySet) {
  auto object = std::make_shared<TestObject>();
  object->Set(Signals::kNone, Signals::kReadable);
  Signals seen = Signals::kNone;
  auto token =
      object->ObserveAsync(Signals::kReadable | Signals::kPeerClosed, [&](Signals s) { seen = s; });
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(seen, Signals::kReadable);
  EXPECT_FALSE(object->CancelObserver(*token));
}

TEST(KernelObjectTest, ObserverFiresOnceWhenAWatchedBitIsSet) {
  auto object = std::make_shared<TestObject>();
  int calls = 0;
  ASSERT_TRUE(object->ObserveAsync(Signals::kPeerClosed, [&](Signals) { ++calls; }).ok());
  object->Set(Signals::kNone, Signals::kReadable);
  EXPECT_EQ(calls, 0);
  object->Set(Signals::kNone, Signals::kPeerClosed);
  object->Set(Signals::kPeerClosed, Signals::kNone);
  object->Set(Signals::kNone, Signals::kPeerClosed);
  EXPECT_EQ(calls, 1);
}

TEST(KernelObjectTest, CancelledObserverNeverRuns) {
  auto object = std::make_shared<TestObject>();
  bool ran = false;
  auto token = object->ObserveAsync(Signals::kReadable, [&](Signals) { ran = true; });
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(object->CancelObserver(*token));
  object->Set(Signals::kNone, Signals::kReadable);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(object->CancelObserver(*token));
}

TEST(KernelObjectTest, CallbackRunsOutsideTheObjectLock) {
  auto object = std::make_shared<TestObject>();
  Signals inside = Signals::kNone;
  // Reading signals and registering again from the callback would deadlock
  // if the callback ran under the object's lock.
  ASSERT_TRUE(object
                  ->ObserveAsync(Signals::kReadable,
                                 [&](Signals) {
                                   inside = object->signals();
                                   auto again =
                                       object->ObserveAsync(Signals::kWritable, [](Signals) {});
                                   EXPECT_TRUE(again.ok());
                                 })
                  .ok());
  object->Set(Signals::kNone, Signals::kReadable);
  EXPECT_EQ(inside, Signals::kReadable);
}

TEST(KernelObjectTest, EmptyMaskIsInvalid) {
  auto object = std::make_shared<TestObject>();
  auto token = object->ObserveAsync(Signals::kNone, [](Signals) {});
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().status, Status::kInvalidArgs);
}

TEST(KernelObjectTest, PulseFiresObserversWithoutLeavingTheBitSet) {
  auto object = std::make_shared<TestObject>();
  int calls = 0;
  ASSERT_TRUE(object->ObserveAsync(Signals::kReadable, [&](Signals) { ++calls; }).ok());
  object->Pulse(Signals::kReadable);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(object->signals(), Signals::kNone);
}

TEST(KernelObjectTest, ObserverLimitGivesNoMemory) {
  auto object = std::make_shared<TestObject>();
  for (size_t i = 0; i < KernelObject::kMaxObservers; ++i) {
    ASSERT_TRUE(object->ObserveAsync(Signals::kReadable, [](Signals) {}).ok());
  }
  auto token = object->ObserveAsync(Signals::kReadable, [](Signals) {});
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().status, Status::kNoMemory);
}

TEST(KernelObjectTest, EveryObserverFiresExactlyOnceUnderConcurrentSetAndClear) {
  auto object = std::make_shared<TestObject>();
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::atomic<int> fired{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        if (t % 2 == 0) {
          ASSERT_TRUE(object->ObserveAsync(Signals::kReadable, [&](Signals) { ++fired; }).ok());
        } else {
          object->Set(Signals::kNone, Signals::kReadable);
          object->Set(Signals::kReadable, Signals::kNone);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  object->Set(Signals::kNone, Signals::kReadable);  // Fires whatever is left.
  EXPECT_EQ(fired.load(), (kThreads / 2) * kRounds);
}

TEST(RightsTest, SubsetAndDefaultRights) {
  EXPECT_TRUE(IsSubset(Rights::kRead, Rights::kRead | Rights::kWrite));
  EXPECT_FALSE(IsSubset(Rights::kRead | Rights::kManage, Rights::kRead | Rights::kWrite));
  EXPECT_TRUE(Contains(DefaultRights(ObjectType::kChannel), Rights::kTransfer | Rights::kWrite));
  EXPECT_FALSE(Contains(DefaultRights(ObjectType::kDirectory), Rights::kWrite));
  EXPECT_EQ(ObjectTypeName(ObjectType::kPort), "port");
}

}  // namespace
}  // namespace shoal::kernel
