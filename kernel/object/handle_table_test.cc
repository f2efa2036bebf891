#include "kernel/object/handle_table.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "kernel/object/channel.h"
#include "kernel/object/console.h"
#include "kernel/object/port.h"

namespace shoal::kernel {
namespace {

constexpr Rights kRw = Rights::kRead | Rights::kWrite;

Ref<KernelObject> NewPort() { return std::move(Port::Create()).value(); }

TEST(HandleTableTest, AddedHandleResolvesToItsObject) {
  HandleTable table;
  auto port = NewPort();
  auto h = table.Add(port, kRw);
  ASSERT_TRUE(h.ok());
  EXPECT_NE(*h, kInvalidHandle);
  auto got = table.Get<PortOps>(*h, Rights::kRead);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->get(), port.get());
  EXPECT_EQ(table.size(), 1u);
}

TEST(HandleTableTest, ZeroAndUnknownValuesAreBadHandles) {
  HandleTable table;
  EXPECT_EQ(table.GetEntry(0, Rights::kNone).error().status, Status::kBadHandle);
  EXPECT_EQ(table.GetEntry(0x80000001u, Rights::kNone).error().status, Status::kBadHandle);
  EXPECT_EQ(table.GetEntry(12345, Rights::kNone).error().status, Status::kBadHandle);
}

TEST(HandleTableTest, ClosedValueStaysBadAfterItsSlotIsReused) {
  HandleTable table;
  HandleValue first = *table.Add(NewPort(), kRw);
  ASSERT_TRUE(table.Close(first).ok());
  HandleValue second = *table.Add(NewPort(), kRw);
  EXPECT_NE(first, second);
  EXPECT_EQ(table.GetEntry(first, Rights::kNone).error().status, Status::kBadHandle);
  EXPECT_TRUE(table.GetEntry(second, Rights::kNone).ok());
  EXPECT_EQ(table.Close(first).error().status, Status::kBadHandle);
}

TEST(HandleTableTest, ErrorPrecedenceIsBadHandleThenWrongTypeThenAccessDenied) {
  HandleTable table;
  HandleValue port = *table.Add(NewPort(), Rights::kRead);
  // Wrong type and missing right: wrong type wins.
  EXPECT_EQ(table.Get<ChannelOps>(port, Rights::kWrite).error().status, Status::kWrongType);
  // Right type, missing right.
  EXPECT_EQ(table.Get<PortOps>(port, Rights::kWrite).error().status, Status::kAccessDenied);
  // Bad handle beats both.
  EXPECT_EQ(table.Get<ChannelOps>(port + 1, Rights::kWrite).error().status, Status::kBadHandle);
  EXPECT_TRUE(table.Get<KernelObject>(port, Rights::kRead).ok());
}

TEST(HandleTableTest, DuplicateNeedsTheDuplicateRight) {
  HandleTable table;
  HandleValue h = *table.Add(NewPort(), kRw);
  EXPECT_EQ(table.Duplicate(h, Rights::kRead).error().status, Status::kAccessDenied);
}

TEST(HandleTableTest, DuplicateWithFewerRightsSucceedsAndMoreRightsFails) {
  HandleTable table;
  HandleValue h = *table.Add(NewPort(), kRw | Rights::kDuplicate);
  auto fewer = table.Duplicate(h, Rights::kRead);
  ASSERT_TRUE(fewer.ok());
  EXPECT_EQ(table.GetEntry(*fewer, Rights::kNone)->rights, Rights::kRead);
  EXPECT_EQ(table.Duplicate(h, Rights::kManage).error().status, Status::kInvalidArgs);
  EXPECT_EQ(table.GetEntry(h, Rights::kNone)->object,
            table.GetEntry(*fewer, Rights::kNone)->object);
}

TEST(HandleTableTest, ReplaceWithFewerRightsInvalidatesTheOldValue) {
  HandleTable table;
  HandleValue h = *table.Add(NewPort(), kRw);
  auto replaced = table.Replace(h, Rights::kRead);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(table.GetEntry(h, Rights::kNone).error().status, Status::kBadHandle);
  EXPECT_EQ(table.GetEntry(*replaced, Rights::kNone)->rights, Rights::kRead);
  EXPECT_EQ(table.size(), 1u);
}

TEST(HandleTableTest, ReplaceWithMoreRightsFailsAndKeepsTheHandle) {
  HandleTable table;
  HandleValue h = *table.Add(NewPort(), Rights::kRead);
  EXPECT_EQ(table.Replace(h, kRw).error().status, Status::kInvalidArgs);
  EXPECT_TRUE(table.GetEntry(h, Rights::kRead).ok());
}

TEST(HandleTableTest, ReplaceWorksInAFullTable) {
  HandleTable table(1);
  HandleValue h = *table.Add(NewPort(), kRw);
  EXPECT_TRUE(table.Replace(h, Rights::kRead).ok());
}

TEST(HandleTableTest, TakeRemovesTheEntry) {
  HandleTable table;
  auto port = NewPort();
  HandleValue h = *table.Add(port, Rights::kTransfer);
  EXPECT_EQ(table.Take(h, Rights::kRead).error().status, Status::kAccessDenied);
  auto taken = table.Take(h, Rights::kTransfer);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->object, port);
  EXPECT_EQ(table.size(), 0u);
}

TEST(HandleTableTest, FullTableGivesNoMemory) {
  HandleTable table(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(table.Add(NewPort(), kRw).ok());
  EXPECT_EQ(table.Add(NewPort(), kRw).error().status, Status::kNoMemory);
  EXPECT_EQ(table.Add(nullptr, kRw).error().status, Status::kInvalidArgs);
}

TEST(HandleTableTest, TakeAllRemovesNothingWhenOneHandleFails) {
  HandleTable table;
  HandleValue a = *table.Add(NewPort(), Rights::kTransfer);
  HandleValue b = *table.Add(NewPort(), Rights::kRead);  // No transfer right.
  bool consumed = false;
  auto consume = [&](std::vector<HandleEntry>) -> VoidResult {
    consumed = true;
    return Ok();
  };
  HandleValue both[] = {a, b};
  EXPECT_EQ(table.TakeAll(both, Rights::kTransfer, consume).error().status, Status::kAccessDenied);
  HandleValue twice[] = {a, a};
  EXPECT_EQ(table.TakeAll(twice, Rights::kTransfer, consume).error().status, Status::kInvalidArgs);
  EXPECT_FALSE(consumed);
  EXPECT_EQ(table.size(), 2u);
}

TEST(HandleTableTest, TakeAllRemovesNothingWhenConsumeFails) {
  HandleTable table;
  HandleValue a = *table.Add(NewPort(), Rights::kTransfer);
  HandleValue one[] = {a};
  auto fail = [](std::vector<HandleEntry>) -> VoidResult {
    return MakeError(Status::kShouldWait, "full");
  };
  EXPECT_EQ(table.TakeAll(one, Rights::kTransfer, fail).error().status, Status::kShouldWait);
  EXPECT_TRUE(table.GetEntry(a, Rights::kTransfer).ok());
  size_t got = 0;
  ASSERT_TRUE(table
                  .TakeAll(one, Rights::kTransfer,
                           [&](std::vector<HandleEntry> e) -> VoidResult {
                             got = e.size();
                             return Ok();
                           })
                  .ok());
  EXPECT_EQ(got, 1u);
  EXPECT_EQ(table.GetEntry(a, Rights::kNone).error().status, Status::kBadHandle);
}

TEST(HandleTableTest, HandlesInTransitResolveButCannotBeRemoved) {
  HandleTable table;
  HandleValue a = *table.Add(NewPort(), Rights::kTransfer | Rights::kRead);
  HandleValue values[] = {a};
  ASSERT_TRUE(
      table
          .TakeAll(values, Rights::kTransfer,
                   [&](std::vector<HandleEntry>) -> VoidResult {
                     // The table is not locked here.
                     EXPECT_TRUE(table.Get<PortOps>(a, Rights::kRead).ok());
                     EXPECT_EQ(table.Close(a).error().status, Status::kBadHandle);
                     EXPECT_EQ(table.Take(a, Rights::kNone).error().status, Status::kBadHandle);
                     EXPECT_EQ(table.Replace(a, Rights::kRead).error().status, Status::kBadHandle);
                     EXPECT_TRUE(table.Add(NewPort(), Rights::kRead).ok());
                     return MakeError(Status::kShouldWait, "refused");
                   })
          .error()
          .status == Status::kShouldWait);
  EXPECT_TRUE(table.Close(a).ok());  // No longer in transit.
}

TEST(HandleTableTest, ReservationKeepsRoomForInstall) {
  HandleTable table(4);
  auto reservation = table.Reserve(3);
  ASSERT_TRUE(reservation.ok());
  ASSERT_TRUE(table.Add(NewPort(), kRw).ok());
  EXPECT_EQ(table.Add(NewPort(), kRw).error().status, Status::kNoMemory);
  EXPECT_EQ(table.Reserve(1).error().status, Status::kNoMemory);
  auto values = table.Install(std::move(reservation).value(),
                              {HandleEntry{NewPort(), kRw}, HandleEntry{NewPort(), kRw}});
  EXPECT_EQ(values.size(), 2u);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_TRUE(table.Add(NewPort(), kRw).ok());  // The unused reserved slot came back.
}

TEST(HandleTableTest, DroppedReservationReturnsItsSlots) {
  HandleTable table(2);
  {
    auto reservation = table.Reserve(2);
    ASSERT_TRUE(reservation.ok());
  }
  EXPECT_TRUE(table.Reserve(2).ok());
}

TEST(HandleTableTest, RestoreRecreatesTheSameHandleValues) {
  HandleTable source;
  std::vector<HandleValue> values;
  for (int i = 0; i < 5; ++i) values.push_back(*source.Add(NewPort(), kRw));
  ASSERT_TRUE(source.Close(values[1]).ok());
  values.push_back(*source.Add(NewPort(), Rights::kRead));  // Reuses slot 1, new generation.
  auto snapshot = source.Snapshot();
  ASSERT_EQ(snapshot.size(), 5u);

  HandleTable restored;
  ASSERT_TRUE(restored.Restore(snapshot).ok());
  EXPECT_EQ(restored.size(), 5u);
  for (const HandleRecord& r : snapshot) {
    auto entry = restored.GetEntry(r.value, Rights::kNone);
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(entry->object, r.entry.object);
    EXPECT_EQ(entry->rights, r.entry.rights);
  }
  EXPECT_EQ(restored.GetEntry(values[1], Rights::kNone).error().status, Status::kBadHandle);
  // New handles do not collide with restored ones.
  std::set<HandleValue> seen;
  for (const HandleRecord& r : snapshot) seen.insert(r.value);
  EXPECT_TRUE(seen.insert(*restored.Add(NewPort(), kRw)).second);
}

TEST(HandleTableTest, RestoreRejectsInvalidSnapshots) {
  auto port = NewPort();
  HandleTable table;
  EXPECT_EQ(table.Restore({{0, {port, kRw}}}).error().status, Status::kInvalidArgs);
  EXPECT_EQ(table.Restore({{0x10001, {port, kRw}}, {0x20001, {port, kRw}}}).error().status,
            Status::kInvalidArgs);
  EXPECT_EQ(table.Restore({{0x10001, {nullptr, kRw}}}).error().status, Status::kInvalidArgs);
  EXPECT_EQ(table.size(), 0u);
  ASSERT_TRUE(table.Restore({{0x10001, {port, kRw}}}).ok());
  EXPECT_EQ(table.Restore({{0x10002, {port, kRw}}}).error().status, Status::kInvalidArgs);
}

TEST(HandleTableTest, ConcurrentAddDuplicateCloseKeepTheTableConsistent) {
  HandleTable table(1024);
  auto port = NewPort();
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        auto h = table.Add(port, kRw | Rights::kDuplicate);
        ASSERT_TRUE(h.ok());
        auto d = table.Duplicate(*h, Rights::kRead);
        ASSERT_TRUE(d.ok());
        ASSERT_TRUE(table.Get<PortOps>(*d, Rights::kRead).ok());
        ASSERT_TRUE(table.Close(*h).ok());
        ASSERT_TRUE(table.Close(*d).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(port.use_count(), 1);
}

}  // namespace
}  // namespace shoal::kernel
