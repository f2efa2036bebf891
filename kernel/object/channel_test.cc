// Channel behaviour, run against local endpoints and against proxies.
#include "kernel/object/channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "kernel/object/object_test_support.h"

namespace shoal::kernel {
namespace {

using testing::FactoryName;
using testing::ObjectFactories;
using testing::WaitForSignals;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

template <typename Factory>
class ChannelTest : public ::testing::Test {
 protected:
  Factory objects_;
};
TYPED_TEST_SUITE(ChannelTest, ObjectFactories, FactoryName);

TYPED_TEST(ChannelTest, MessageWrittenOnOneEndIsReadOnTheOther) {
  auto [a, b] = this->objects_.CreateChannel();
  auto hello = Bytes("hello");
  ASSERT_TRUE(a->Write(hello, {}).ok());
  auto message = b->Read({});
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->bytes, hello);
  EXPECT_TRUE(message->handles.empty());
  ASSERT_TRUE(b->Write(Bytes("back"), {}).ok());
  EXPECT_EQ(a->Read({})->bytes, Bytes("back"));
}

TYPED_TEST(ChannelTest, MessagesArriveInOrder) {
  auto [a, b] = this->objects_.CreateChannel();
  for (uint8_t i = 0; i < 10; ++i) ASSERT_TRUE(a->Write(std::vector<uint8_t>{i}, {}).ok());
  for (uint8_t i = 0; i < 10; ++i) EXPECT_EQ(b->Read({})->bytes, std::vector<uint8_t>{i});
}

TYPED_TEST(ChannelTest, ReadingAnEmptyOpenChannelShouldWait) {
  auto [a, b] = this->objects_.CreateChannel();
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);
}

TYPED_TEST(ChannelTest, QueuedMessagesAreReadBeforePeerClosed) {
  auto [a, b] = this->objects_.CreateChannel();
  ASSERT_TRUE(a->Write(Bytes("last words"), {}).ok());
  a.reset();
  EXPECT_TRUE(Any(b->signals(), Signals::kPeerClosed));
  EXPECT_EQ(b->Read({})->bytes, Bytes("last words"));
  EXPECT_EQ(b->Read({}).error().status, Status::kPeerClosed);
  EXPECT_EQ(b->Write(Bytes("anyone?"), {}).error().status, Status::kPeerClosed);
}

TYPED_TEST(ChannelTest, SignalsFollowTheQueue) {
  auto [a, b] = this->objects_.CreateChannel();
  EXPECT_EQ(a->signals(), Signals::kWritable);
  EXPECT_EQ(b->signals(), Signals::kWritable);
  ASSERT_TRUE(a->Write(Bytes("x"), {}).ok());
  EXPECT_EQ(b->signals(), Signals::kWritable | Signals::kReadable);
  ASSERT_TRUE(b->Read({}).ok());
  EXPECT_EQ(b->signals(), Signals::kWritable);
  b.reset();
  EXPECT_EQ(a->signals(), Signals::kPeerClosed);
}

TYPED_TEST(ChannelTest, FullQueueShouldWaitAndClearsWritable) {
  auto [a, b] = this->objects_.CreateChannel();
  for (size_t i = 0; i < ChannelOps::kMaxQueuedMessages; ++i) {
    ASSERT_TRUE(a->Write(Bytes("m"), {}).ok()) << i;
  }
  EXPECT_EQ(a->Write(Bytes("m"), {}).error().status, Status::kShouldWait);
  EXPECT_FALSE(Any(a->signals(), Signals::kWritable));
  ASSERT_TRUE(b->Read({}).ok());
  EXPECT_TRUE(Any(a->signals(), Signals::kWritable));
  EXPECT_TRUE(a->Write(Bytes("m"), {}).ok());
}

TYPED_TEST(ChannelTest, OversizedMessagesAreRefused) {
  auto [a, b] = this->objects_.CreateChannel();
  std::vector<uint8_t> big(ChannelOps::kMaxMessageBytes + 1);
  EXPECT_EQ(a->Write(big, {}).error().status, Status::kInvalidArgs);
  big.pop_back();
  EXPECT_TRUE(a->Write(big, {}).ok());
  EXPECT_EQ(b->Read({})->bytes.size(), ChannelOps::kMaxMessageBytes);
}

TYPED_TEST(ChannelTest, AnEndpointCannotBeSentThroughItself) {
  auto [a, b] = this->objects_.CreateChannel();
  EXPECT_EQ(a->Write({}, {HandleEntry{a, Rights::kTransfer}}).error().status, Status::kInvalidArgs);
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);
}

TYPED_TEST(ChannelTest, MessageTooBigForTheReaderStaysQueued) {
  auto [a, b] = this->objects_.CreateChannel();
  ASSERT_TRUE(a->Write(Bytes("0123456789"), {}).ok());
  EXPECT_EQ(b->Read({.max_bytes = 4}).error().status, Status::kOutOfBounds);
  EXPECT_EQ(b->Read({.max_bytes = 10})->bytes, Bytes("0123456789"));
}

TYPED_TEST(ChannelTest, ObserverSeesReadableWhenAMessageArrives) {
  auto [a, b] = this->objects_.CreateChannel();
  Signals seen = Signals::kNone;
  auto token = b->ObserveAsync(Signals::kReadable, [&](Signals s) { seen = s; });
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(seen, Signals::kNone);
  ASSERT_TRUE(a->Write(Bytes("wake"), {}).ok());
  EXPECT_TRUE(Any(seen, Signals::kReadable));
}

TYPED_TEST(ChannelTest, CancelledObserverDoesNotRun) {
  auto [a, b] = this->objects_.CreateChannel();
  bool ran = false;
  auto token = b->ObserveAsync(Signals::kReadable, [&](Signals) { ran = true; });
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(b->CancelObserver(*token));
  ASSERT_TRUE(a->Write(Bytes("x"), {}).ok());
  EXPECT_FALSE(ran);
}

TYPED_TEST(ChannelTest, HandlesMoveBetweenTablesWithTheirRights) {
  auto [a, b] = this->objects_.CreateChannel();
  auto [c, d] = this->objects_.CreateChannel();
  HandleTable writer;
  HandleTable reader;
  HandleValue hc = *writer.Add(c, Rights::kTransfer | Rights::kWrite);
  HandleValue hd = *writer.Add(d, Rights::kTransfer | Rights::kRead);
  HandleValue values[] = {hc, hd};
  ASSERT_TRUE(WriteFromTable(writer, *a, Bytes("two ends"), values).ok());
  EXPECT_EQ(writer.size(), 0u);

  auto received = ReadIntoTable(reader, *b, {});
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(received->bytes, Bytes("two ends"));
  ASSERT_EQ(received->handles.size(), 2u);
  auto rc = reader.Get<ChannelOps>(received->handles[0], Rights::kWrite);
  auto rd = reader.Get<ChannelOps>(received->handles[1], Rights::kRead);
  ASSERT_TRUE(rc.ok());
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(reader.Get<ChannelOps>(received->handles[0], Rights::kRead).error().status,
            Status::kAccessDenied);
  // The received ends still form a working channel.
  ASSERT_TRUE((*rc)->Write(Bytes("through"), {}).ok());
  EXPECT_EQ((*rd)->Read({})->bytes, Bytes("through"));
}

TYPED_TEST(ChannelTest, WriteIsAllOrNothingForHandles) {
  auto [a, b] = this->objects_.CreateChannel();
  auto [c, d] = this->objects_.CreateChannel();
  HandleTable writer;
  HandleValue ok = *writer.Add(c, Rights::kTransfer);
  HandleValue no_transfer = *writer.Add(d, Rights::kRead);
  HandleValue values[] = {ok, no_transfer};
  EXPECT_EQ(WriteFromTable(writer, *a, Bytes("x"), values).error().status, Status::kAccessDenied);
  HandleValue with_bad[] = {ok, 0x7fff0fff};
  EXPECT_EQ(WriteFromTable(writer, *a, Bytes("x"), with_bad).error().status, Status::kBadHandle);
  EXPECT_EQ(writer.size(), 2u);
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);

  // A write the channel refuses leaves the handles too.
  b.reset();
  HandleValue just_ok[] = {ok};
  EXPECT_EQ(WriteFromTable(writer, *a, Bytes("x"), just_ok).error().status, Status::kPeerClosed);
  EXPECT_TRUE(writer.GetEntry(ok, Rights::kTransfer).ok());
}

TYPED_TEST(ChannelTest, ReadIntoAFullTableKeepsTheMessage) {
  auto [a, b] = this->objects_.CreateChannel();
  auto [c, d] = this->objects_.CreateChannel();
  ASSERT_TRUE(a->Write(Bytes("carry"), {HandleEntry{c, Rights::kTransfer}}).ok());
  c.reset();
  HandleTable reader(1);
  ASSERT_TRUE(reader.Add(d, Rights::kRead).ok());  // Now full.
  EXPECT_EQ(ReadIntoTable(reader, *b, {.max_handles = 1}).error().status, Status::kNoMemory);
  HandleTable roomy;
  auto received = ReadIntoTable(roomy, *b, {});
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(received->handles.size(), 1u);
}

TYPED_TEST(ChannelTest, DroppingAQueuedEndpointClosesItsPeer) {
  auto [a, b] = this->objects_.CreateChannel();
  auto [c, d] = this->objects_.CreateChannel();
  ASSERT_TRUE(a->Write({}, {HandleEntry{c, Rights::kTransfer}}).ok());
  c.reset();
  EXPECT_FALSE(Any(d->signals(), Signals::kPeerClosed));
  b.reset();  // Destroys b's queue and the c inside it.
  EXPECT_TRUE(Any(WaitForSignals(*d, Signals::kPeerClosed), Signals::kPeerClosed));
}

TYPED_TEST(ChannelTest, ConcurrentWritersAndReadersDeliverEveryMessageOnce) {
  auto [a, b] = this->objects_.CreateChannel();
  constexpr int kWriters = 3;
  constexpr int kPerWriter = TypeParam::kProxied ? 300 : 2000;
  std::atomic<int> received{0};
  std::atomic<uint64_t> sum{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter;) {
        uint32_t value = uint32_t(w * kPerWriter + i);
        std::vector<uint8_t> bytes(reinterpret_cast<uint8_t*>(&value),
                                   reinterpret_cast<uint8_t*>(&value) + 4);
        auto written = a->Write(bytes, {});
        if (written.ok()) {
          ++i;
        } else {
          ASSERT_EQ(written.error().status, Status::kShouldWait);
          WaitForSignals(*a, Signals::kWritable | Signals::kPeerClosed);
        }
      }
    });
  }
  constexpr int kTotal = kWriters * kPerWriter;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (received.load() < kTotal) {
        auto message = b->Read({});
        if (message.ok()) {
          uint32_t value;
          std::memcpy(&value, message->bytes.data(), 4);
          sum += value;
          ++received;
        } else {
          ASSERT_EQ(message.error().status, Status::kShouldWait);
          WaitForSignals(*b, Signals::kReadable, std::chrono::milliseconds(50));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(received.load(), kTotal);
  EXPECT_EQ(sum.load(), uint64_t(kTotal) * (kTotal - 1) / 2);
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);
}

}  // namespace
}  // namespace shoal::kernel
