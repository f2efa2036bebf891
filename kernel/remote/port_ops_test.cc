// Port behaviour, run against local ports and against proxies of them over
// every transport (ops_test_support.h).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kernel/object/object_test_support.h"
#include "kernel/object/port.h"
#include "kernel/remote/ops_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using namespace testing;  // ops_test_support.h

// The next packet once one has arrived (a proxy's follow the calls it
// posted).
Result<Packet> WaitForPacket(PortOps& port) {
  WaitForSignals(port, Signals::kReadable);
  return port.Wait();
}

class PortTest : public OpsTest {};

TEST_P(PortTest, EmptyPortShouldWait) {
  auto port = objects_.CreatePort();
  EXPECT_EQ(port->Wait().error().status, Status::kShouldWait);
  EXPECT_EQ(port->signals(), Signals::kNone);
}

TEST_P(PortTest, SignalPacketArrivesWhenTheObjectBecomesReadable) {
  auto port = objects_.CreatePort();
  auto [a, b] = objects_.CreateChannel();
  ASSERT_TRUE(port->WaitAsync(b, Signals::kReadable, 42).ok());
  EXPECT_EQ(port->Wait().error().status, Status::kShouldWait);
  uint8_t byte = 1;
  ASSERT_TRUE(a->Write({&byte, 1}, {}).ok());
  EXPECT_TRUE(Any(WaitForSignals(*port, Signals::kReadable), Signals::kReadable));
  auto packet = port->Wait();
  ASSERT_TRUE(packet.ok());
  EXPECT_EQ(packet->key, 42u);
  EXPECT_EQ(packet->type, PacketType::kSignal);
  EXPECT_TRUE(Any(packet->observed, Signals::kReadable));
  EXPECT_FALSE(Any(port->signals(), Signals::kReadable));
  // One shot: a second message queues nothing.
  ASSERT_TRUE(a->Write({&byte, 1}, {}).ok());
  EXPECT_EQ(port->Wait().error().status, Status::kShouldWait);
}

TEST_P(PortTest, AlreadySetSignalQueuesAPacketAtOnce) {
  auto port = objects_.CreatePort();
  auto [a, b] = objects_.CreateChannel();
  ASSERT_TRUE(port->WaitAsync(a, Signals::kWritable, 7).ok());
  auto packet = WaitForPacket(*port);
  ASSERT_TRUE(packet.ok());
  EXPECT_EQ(packet->key, 7u);
}

TEST_P(PortTest, CancelRemovesRegistrationsAndQueuedPackets) {
  auto port = objects_.CreatePort();
  auto [a, b] = objects_.CreateChannel();
  ASSERT_TRUE(port->WaitAsync(b, Signals::kReadable, 1).ok());
  ASSERT_TRUE(port->WaitAsync(a, Signals::kWritable, 2).ok());  // Queued at once.
  ASSERT_TRUE(port->Cancel(1).ok());
  ASSERT_TRUE(port->Cancel(2).ok());
  // A proxy posts Cancel and cannot tell a key with nothing to cancel
  // (port_proxy.cc).
  if (!objects_.proxied()) {
    EXPECT_EQ(port->Cancel(3).error().status, Status::kNotFound);
  }
  uint8_t byte = 1;
  ASSERT_TRUE(a->Write({&byte, 1}, {}).ok());
  // A packet queued behind the write: what the registrations would have
  // queued would come before it.
  Packet marker;
  marker.key = 99;
  ASSERT_TRUE(port->Queue(marker).ok());
  auto first = WaitForPacket(*port);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->key, 99u);
  EXPECT_EQ(port->Wait().error().status, Status::kShouldWait);
  EXPECT_EQ(port->signals(), Signals::kNone);
}

TEST_P(PortTest, UserPacketsCarryTheirPayload) {
  auto port = objects_.CreatePort();
  Packet packet;
  packet.key = 9;
  packet.type = PacketType::kSignal;  // Forced to kUser.
  packet.user = {1, 2, 3, 4};
  ASSERT_TRUE(port->Queue(packet).ok());
  auto got = WaitForPacket(*port);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->key, 9u);
  EXPECT_EQ(got->type, PacketType::kUser);
  EXPECT_EQ(got->user, packet.user);
}

TEST_P(PortTest, CapacityCountsRegistrationsAndPackets) {
  auto port = objects_.CreatePort();
  auto [a, b] = objects_.CreateChannel();
  for (size_t i = 0; i < PortOps::kMaxPackets - 1; ++i) ASSERT_TRUE(port->Queue({}).ok()) << i;
  ASSERT_TRUE(port->WaitAsync(b, Signals::kReadable, 1).ok());
  // A proxy only estimates the remote port's room (its inbox and its calls
  // not yet answered; an answered call whose packet is still on its way is
  // not counted), so only the local port is exact here; the remote port
  // itself refuses what is over its capacity, and the count below holds.
  if (!objects_.proxied()) {
    EXPECT_EQ(port->Queue({}).error().status, Status::kShouldWait);
    EXPECT_EQ(port->WaitAsync(b, Signals::kReadable, 2).error().status, Status::kShouldWait);
  }
  // The registration still has room for its packet.
  uint8_t byte = 1;
  ASSERT_TRUE(a->Write({&byte, 1}, {}).ok());
  size_t packets = 0;
  bool saw_signal = false;
  while (packets < PortOps::kMaxPackets) {
    auto p = WaitForPacket(*port);
    if (!p.ok()) break;
    ++packets;
    saw_signal |= p->type == PacketType::kSignal;
  }
  EXPECT_EQ(packets, PortOps::kMaxPackets);
  EXPECT_TRUE(saw_signal);
  EXPECT_EQ(port->Wait().error().status, Status::kShouldWait);
}

TEST_P(PortTest, AProcessCanParkOnAPortLikeOnAnyObject) {
  auto port = objects_.CreatePort();
  auto [a, b] = objects_.CreateChannel();
  ASSERT_TRUE(port->WaitAsync(b, Signals::kPeerClosed, 5).ok());
  std::thread closer([a = std::move(a)]() mutable { a.reset(); });
  EXPECT_TRUE(Any(WaitForSignals(*port, Signals::kReadable), Signals::kReadable));
  closer.join();
  auto packet = port->Wait();
  ASSERT_TRUE(packet.ok());
  EXPECT_TRUE(Any(packet->observed, Signals::kPeerClosed));
}

TEST_P(PortTest, ConcurrentUserPacketsAreAllDelivered) {
  auto port = objects_.CreatePort();
  constexpr int kThreads = 3;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Packet p;
        p.key = uint64_t(t);
        ASSERT_TRUE(port->Queue(p).ok());
      }
    });
  }
  int got = 0;
  while (got < kThreads * kPerThread) {
    if (port->Wait().ok()) {
      ++got;
    } else {
      WaitForSignals(*port, Signals::kReadable, std::chrono::milliseconds(50));
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(got, kThreads * kPerThread);
}

INSTANTIATE_TEST_SUITE_P(Local, PortTest, ::testing::Values(Where()), WhereName());
INSTANTIATE_TEST_SUITE_P(Wire, PortTest, testing::AllTransports(), WhereName());

}  // namespace
}  // namespace shoal::kernel::remote
