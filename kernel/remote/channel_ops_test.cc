// Channel behaviour, run against local endpoints and against proxies of
// them over every transport (ops_test_support.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <tuple>

#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/ops_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using kernel::testing::WaitUntil;
using namespace testing;  // ops_test_support.h

// Reads one message once one has arrived (a proxy's come after the write
// that sent them answered).
Result<Message> ReadWaiting(ChannelOps& channel, ReadLimits limits = {}) {
  WaitForSignals(channel, Signals::kReadable | Signals::kPeerClosed);
  return channel.Read(limits);
}

class ChannelTest : public OpsTest {};

TEST_P(ChannelTest, MessageWrittenOnOneEndIsReadOnTheOther) {
  auto [a, b] = objects_.CreateChannel();
  auto hello = Bytes("hello");
  ASSERT_TRUE(a->Write(hello, {}).ok());
  auto message = ReadWaiting(*b);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->bytes, hello);
  EXPECT_TRUE(message->handles.empty());
  ASSERT_TRUE(b->Write(Bytes("back"), {}).ok());
  EXPECT_EQ(ReadWaiting(*a)->bytes, Bytes("back"));
}

TEST_P(ChannelTest, MessagesArriveInOrder) {
  auto [a, b] = objects_.CreateChannel();
  for (uint8_t i = 0; i < 10; ++i) ASSERT_TRUE(a->Write(std::vector<uint8_t>{i}, {}).ok());
  for (uint8_t i = 0; i < 10; ++i) EXPECT_EQ(ReadWaiting(*b)->bytes, std::vector<uint8_t>{i});
}

TEST_P(ChannelTest, ReadingAnEmptyOpenChannelShouldWait) {
  auto [a, b] = objects_.CreateChannel();
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);
}

TEST_P(ChannelTest, QueuedMessagesAreReadBeforePeerClosed) {
  auto [a, b] = objects_.CreateChannel();
  ASSERT_TRUE(a->Write(Bytes("last words"), {}).ok());
  a.reset();
  EXPECT_TRUE(Any(WaitForSignals(*b, Signals::kPeerClosed), Signals::kPeerClosed));
  EXPECT_EQ(b->Read({})->bytes, Bytes("last words"));
  EXPECT_EQ(b->Read({}).error().status, Status::kPeerClosed);
  EXPECT_EQ(b->Write(Bytes("anyone?"), {}).error().status, Status::kPeerClosed);
}

TEST_P(ChannelTest, SignalsFollowTheQueue) {
  // Variables, not structured bindings: the lambdas below capture them.
  Ref<ChannelOps> a, b;
  std::tie(a, b) = objects_.CreateChannel();
  EXPECT_EQ(a->signals(), Signals::kWritable);
  EXPECT_EQ(b->signals(), Signals::kWritable);
  ASSERT_TRUE(a->Write(Bytes("x"), {}).ok());
  EXPECT_TRUE(WaitUntil([&] { return b->signals() == (Signals::kWritable | Signals::kReadable); }))
      << uint32_t(b->signals());
  ASSERT_TRUE(b->Read({}).ok());
  EXPECT_EQ(b->signals(), Signals::kWritable);
  b.reset();
  EXPECT_TRUE(WaitUntil([&] { return a->signals() == Signals::kPeerClosed; }))
      << uint32_t(a->signals());
}

// A writer that runs ahead of its reader is held back: once the queue is
// full (across the wire, also what the connection's flow control lets be on
// its way: a window of bytes), Write answers kShouldWait with kWritable clear
// until the reader takes a message.
TEST_P(ChannelTest, FullQueueShouldWaitAndClearsWritable) {
  auto [a, b] = objects_.CreateChannel();
  const std::vector<uint8_t> message(16 * 1024, 'm');
  constexpr size_t kBound = (64 << 20) / (16 * 1024);  // 64 MiB: no window is that wide.
  size_t written = 0;
  for (;;) {
    VoidResult w = a->Write(message, {});
    if (w.ok()) {
      ASSERT_LT(++written, kBound) << "the writer is never held back";
      continue;
    }
    ASSERT_EQ(w.error().status, Status::kShouldWait);
    // Full for good when kWritable does not come back within a second
    // (across the wire it does, while the writes on their way are taken).
    if (WaitForSignals(*a, Signals::kWritable, std::chrono::seconds(1)) == Signals::kNone) {
      break;
    }
  }
  EXPECT_GE(written, ChannelOps::kMaxQueuedMessages);
  EXPECT_FALSE(Any(a->signals(), Signals::kWritable));
  EXPECT_EQ(a->Write(message, {}).error().status, Status::kShouldWait);
  ASSERT_TRUE(ReadWaiting(*b).ok());
  EXPECT_TRUE(Any(WaitForSignals(*a, Signals::kWritable), Signals::kWritable));
  EXPECT_TRUE(a->Write(message, {}).ok());
}

TEST_P(ChannelTest, OversizedMessagesAreRefused) {
  auto [a, b] = objects_.CreateChannel();
  std::vector<uint8_t> big(ChannelOps::kMaxMessageBytes + 1);
  EXPECT_EQ(a->Write(big, {}).error().status, Status::kInvalidArgs);
  big.pop_back();
  EXPECT_TRUE(a->Write(big, {}).ok());
  EXPECT_EQ(ReadWaiting(*b)->bytes.size(), ChannelOps::kMaxMessageBytes);
}

TEST_P(ChannelTest, AnEndpointCannotBeSentThroughItself) {
  auto [a, b] = objects_.CreateChannel();
  EXPECT_EQ(a->Write({}, {HandleEntry{a, Rights::kTransfer}}).error().status, Status::kInvalidArgs);
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);
}

TEST_P(ChannelTest, MessageTooBigForTheReaderStaysQueued) {
  auto [a, b] = objects_.CreateChannel();
  ASSERT_TRUE(a->Write(Bytes("0123456789"), {}).ok());
  EXPECT_EQ(ReadWaiting(*b, {.max_bytes = 4}).error().status, Status::kOutOfBounds);
  EXPECT_EQ(b->Read({.max_bytes = 10})->bytes, Bytes("0123456789"));
}

TEST_P(ChannelTest, ObserverSeesReadableWhenAMessageArrives) {
  auto [a, b] = objects_.CreateChannel();
  std::atomic<Signals> seen = Signals::kNone;
  auto token = b->ObserveAsync(Signals::kReadable, [&](Signals s) { seen = s; });
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(seen, Signals::kNone);
  ASSERT_TRUE(a->Write(Bytes("wake"), {}).ok());
  EXPECT_TRUE(WaitUntil([&] { return Any(seen, Signals::kReadable); }));
}

TEST_P(ChannelTest, CancelledObserverDoesNotRun) {
  auto [a, b] = objects_.CreateChannel();
  std::atomic<bool> ran = false;
  auto token = b->ObserveAsync(Signals::kReadable, [&](Signals) { ran = true; });
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(b->CancelObserver(*token));
  ASSERT_TRUE(a->Write(Bytes("x"), {}).ok());
  ASSERT_TRUE(Any(WaitForSignals(*b, Signals::kReadable), Signals::kReadable));
  EXPECT_FALSE(ran);
}

TEST_P(ChannelTest, HandlesMoveBetweenTablesWithTheirRights) {
  auto [a, b] = objects_.CreateChannel();
  auto [c, d] = objects_.CreateChannel();
  HandleTable writer;
  HandleTable reader;
  // The writer's references go with the message.
  HandleValue hc = *writer.Add(std::move(c), Rights::kTransfer | Rights::kWrite);
  HandleValue hd = *writer.Add(std::move(d), Rights::kTransfer | Rights::kRead);
  HandleValue values[] = {hc, hd};
  ASSERT_TRUE(WriteFromTable(writer, *a, Bytes("two ends"), values).ok());
  EXPECT_EQ(writer.size(), 0u);

  ASSERT_TRUE(Any(WaitForSignals(*b, Signals::kReadable), Signals::kReadable));
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
  EXPECT_EQ(ReadWaiting(**rd)->bytes, Bytes("through"));
}

TEST_P(ChannelTest, WriteIsAllOrNothingForHandles) {
  auto [a, b] = objects_.CreateChannel();
  auto [c, d] = objects_.CreateChannel();
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
  ASSERT_TRUE(Any(WaitForSignals(*a, Signals::kPeerClosed), Signals::kPeerClosed));
  HandleValue just_ok[] = {ok};
  EXPECT_EQ(WriteFromTable(writer, *a, Bytes("x"), just_ok).error().status, Status::kPeerClosed);
  EXPECT_TRUE(writer.GetEntry(ok, Rights::kTransfer).ok());
}

TEST_P(ChannelTest, ReadIntoAFullTableKeepsTheMessage) {
  auto [a, b] = objects_.CreateChannel();
  auto [c, d] = objects_.CreateChannel();
  ASSERT_TRUE(a->Write(Bytes("carry"), {HandleEntry{c, Rights::kTransfer}}).ok());
  c.reset();
  ASSERT_TRUE(Any(WaitForSignals(*b, Signals::kReadable), Signals::kReadable));
  HandleTable reader(1);
  ASSERT_TRUE(reader.Add(d, Rights::kRead).ok());  // Now full.
  EXPECT_EQ(ReadIntoTable(reader, *b, {.max_handles = 1}).error().status, Status::kNoMemory);
  HandleTable roomy;
  auto received = ReadIntoTable(roomy, *b, {});
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(received->handles.size(), 1u);
}

TEST_P(ChannelTest, DroppingAQueuedEndpointClosesItsPeer) {
  auto [a, b] = objects_.CreateChannel();
  auto [c, d] = objects_.CreateChannel();
  ASSERT_TRUE(a->Write({}, {HandleEntry{c, Rights::kTransfer}}).ok());
  c.reset();
  EXPECT_FALSE(Any(d->signals(), Signals::kPeerClosed));
  b.reset();  // Destroys b's queue and the c inside it.
  EXPECT_TRUE(Any(WaitForSignals(*d, Signals::kPeerClosed), Signals::kPeerClosed));
}

TEST_P(ChannelTest, ConcurrentWritersAndReadersDeliverEveryMessageOnce) {
  // Variables, not structured bindings: the lambdas below capture them.
  Ref<ChannelOps> a, b;
  std::tie(a, b) = objects_.CreateChannel();
  constexpr int kWriters = 3;
  const int kPerWriter = objects_.proxied() ? 300 : 2000;
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
  const int kTotal = kWriters * kPerWriter;
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

INSTANTIATE_TEST_SUITE_P(Local, ChannelTest, ::testing::Values(Where()), WhereName());
INSTANTIATE_TEST_SUITE_P(Wire, ChannelTest, testing::AllTransports(), WhereName());

}  // namespace
}  // namespace shoal::kernel::remote
