// Ports across the wire, over both transports of remote::Pair: packets
// queued on either side reach the proxy's local queue in order, backpressure
// holds a flood without losing packets, WaitAsync turns signals of objects on
// either node into signal packets, Cancel drops registrations and the signal
// packets on their way, and a cut connection wakes waiters and fails the
// proxy with kPeerGone. A proxy sent on after it fetched packets (its
// process moving) is served by its node, so the packets reach the new
// holder in order; one sent on but never used takes none.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/object/port.h"
#include "kernel/object/timer.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::ThreadTimerService;
using kernel::testing::WaitForSignals;
using std::chrono::milliseconds;

constexpr milliseconds kQuiet{200};

Packet UserPacket(uint64_t key, uint64_t word) {
  Packet packet;
  packet.key = key;
  packet.user[0] = word;
  return packet;
}

// The next packet, waiting (bounded) for one to arrive.
Result<Packet> WaitPacket(PortOps& port, milliseconds limit = milliseconds(10'000)) {
  WaitForSignals(port, Signals::kReadable, limit);
  return port.Wait();
}

class PortRemoteTest : public testing::ProxiedTest<Port, PortOps> {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    SetUpProxy(Port::Create().value());
  }

  ThreadTimerService timers_;  // For the timers some tests observe.
};

TEST_P(PortRemoteTest, PacketsQueuedOnEitherSideArriveInOrder) {
  for (uint64_t i = 0; i < 50; ++i) ASSERT_TRUE(local_->Queue(UserPacket(1, i)).ok());
  for (uint64_t i = 0; i < 50; ++i) ASSERT_TRUE(remote_->Queue(UserPacket(2, i)).ok());
  for (uint64_t key = 1; key <= 2; ++key) {
    for (uint64_t i = 0; i < 50; ++i) {
      Result<Packet> packet = WaitPacket(*remote_);
      ASSERT_TRUE(packet.ok()) << packet.error().message;
      EXPECT_EQ(packet->type, PacketType::kUser);
      EXPECT_EQ(packet->key, key);
      EXPECT_EQ(packet->user[0], i);
    }
  }
  EXPECT_EQ(remote_->Wait().error().status, Status::kShouldWait);
  EXPECT_FALSE(Any(remote_->signals(), Signals::kReadable));
}

TEST_P(PortRemoteTest, WriteOnlyProxyQueuesIntoThePortItself) {
  Ref<Port> port = Port::Create().value();
  auto writer = ProxyOf<PortOps>(port, Rights::kWrite | Rights::kWait);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Queue(UserPacket(3, 33)).ok());
  Result<Packet> packet = WaitPacket(*port);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->key, 3u);
  EXPECT_EQ(packet->user[0], 33u);
}

TEST_P(PortRemoteTest, AFloodIsHeldBackNotLost) {
  // Three times the port's capacity, queued on the serving node while the
  // proxy's node reads: kShouldWait there pushes back; nothing is lost.
  constexpr uint64_t kCount = 3 * PortOps::kMaxPackets;
  auto producer = std::async(std::launch::async, [&] {
    for (uint64_t i = 0; i < kCount; ++i) {
      VoidResult queued = local_->Queue(UserPacket(4, i));
      while (!queued.ok() && queued.error().status == Status::kShouldWait) {
        std::this_thread::sleep_for(milliseconds(1));
        queued = local_->Queue(UserPacket(4, i));
      }
      if (!queued.ok()) return false;
    }
    return true;
  });
  std::this_thread::sleep_for(milliseconds(100));  // Let the queues fill up.
  for (uint64_t i = 0; i < kCount; ++i) {
    Result<Packet> packet = WaitPacket(*remote_);
    ASSERT_TRUE(packet.ok()) << "packet " << i << ": " << packet.error().message;
    ASSERT_EQ(packet->user[0], i);
  }
  EXPECT_TRUE(producer.get());
}

TEST_P(PortRemoteTest, SignalPacketFromAnObjectOfTheServingNode) {
  // The observed object is a proxy here of an object there: it goes home.
  auto ends = Channel::Create().value();
  auto endpoint = ProxyOf<ChannelOps>(ends.first, Rights::kWait);
  ASSERT_NE(endpoint, nullptr);
  ASSERT_TRUE(remote_->WaitAsync(endpoint, Signals::kPeerClosed, 5).ok());
  EXPECT_EQ(WaitForSignals(*remote_, Signals::kReadable, kQuiet), Signals::kNone);
  ends.second.reset();
  Result<Packet> packet = WaitPacket(*remote_);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->type, PacketType::kSignal);
  EXPECT_EQ(packet->key, 5u);
  EXPECT_TRUE(Any(packet->observed, Signals::kPeerClosed));
}

TEST_P(PortRemoteTest, SignalPacketFromAnObjectOfTheProxysNode) {
  // The observed object lives beside the proxy: the port's node watches it.
  auto ends = Channel::Create().value();
  ASSERT_TRUE(remote_->WaitAsync(ends.first, Signals::kReadable, 6).ok());
  EXPECT_EQ(WaitForSignals(*remote_, Signals::kReadable, kQuiet), Signals::kNone);
  ASSERT_TRUE(ends.second->Write(std::vector<uint8_t>{1, 2, 3}, {}).ok());
  Result<Packet> packet = WaitPacket(*remote_);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->type, PacketType::kSignal);
  EXPECT_EQ(packet->key, 6u);
  EXPECT_TRUE(Any(packet->observed, Signals::kReadable));
  // The endpoint was only watched, never drained.
  EXPECT_TRUE(ends.first->Read(ReadLimits{}).ok());
}

TEST_P(PortRemoteTest, SignalPacketFromAnObjectAlreadySignaled) {
  Ref<Timer> timer = Timer::Create(timers_).value();
  ASSERT_TRUE(timer->Set(MonotonicNow()).ok());
  ASSERT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
  ASSERT_TRUE(remote_->WaitAsync(timer, Signals::kSignaled, 7).ok());
  Result<Packet> packet = WaitPacket(*remote_);
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->key, 7u);
  EXPECT_TRUE(Any(packet->observed, Signals::kSignaled));
}

TEST_P(PortRemoteTest, CancelDropsTheRegistration) {
  auto ends = Channel::Create().value();
  ASSERT_TRUE(remote_->WaitAsync(ends.first, Signals::kReadable, 8).ok());
  ASSERT_TRUE(remote_->Cancel(8).ok());
  ASSERT_TRUE(remote_->Queue(UserPacket(9, 0)).ok());  // Behind the cancel.
  Result<Packet> marker = WaitPacket(*remote_);
  ASSERT_TRUE(marker.ok()) << marker.error().message;
  EXPECT_EQ(marker->key, 9u);
  ASSERT_TRUE(ends.second->Write(std::vector<uint8_t>{1}, {}).ok());
  EXPECT_EQ(WaitForSignals(*remote_, Signals::kReadable, kQuiet), Signals::kNone);
}

TEST_P(PortRemoteTest, CancelDropsSignalPacketsQueuedAndOnTheirWay) {
  // Many registrations on a signaled object of the serving node fire at once
  // there; whatever of them was queued here or still on its way when Cancel
  // was called never comes out of Wait.
  Ref<Timer> timer = Timer::Create(timers_).value();
  ASSERT_TRUE(timer->Set(MonotonicNow()).ok());
  ASSERT_TRUE(Any(WaitForSignals(*timer, Signals::kSignaled), Signals::kSignaled));
  auto fired = ProxyOf<TimerOps>(timer, Rights::kWait);
  ASSERT_NE(fired, nullptr);
  ASSERT_TRUE(Any(WaitForSignals(*fired, Signals::kSignaled), Signals::kSignaled));
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 40; ++i)
      ASSERT_TRUE(remote_->WaitAsync(fired, Signals::kSignaled, 10).ok());
    if (round > 0) std::this_thread::sleep_for(milliseconds(round));
    ASSERT_TRUE(remote_->Cancel(10).ok());
    ASSERT_TRUE(remote_->Queue(UserPacket(10, 1)).ok());  // User packets stay.
    Result<Packet> packet = WaitPacket(*remote_);
    ASSERT_TRUE(packet.ok()) << packet.error().message;
    EXPECT_EQ(packet->type, PacketType::kUser) << "round " << round;
    EXPECT_EQ(remote_->Wait().error().status, Status::kShouldWait);
  }
}

TEST_P(PortRemoteTest, CutWakesWaitersAndFailsWithPeerGone) {
  ASSERT_TRUE(local_->Queue(UserPacket(11, 0)).ok());
  ASSERT_TRUE(Any(WaitForSignals(*remote_, Signals::kReadable), Signals::kReadable));
  ASSERT_TRUE(remote_->Wait().ok());
  auto waiter =
      std::async(std::launch::async, [&] { return WaitForSignals(*remote_, Signals::kReadable); });
  std::this_thread::sleep_for(milliseconds(20));
  pair_->Cut();
  EXPECT_TRUE(Any(waiter.get(), Signals::kReadable));
  EXPECT_TRUE(Contains(remote_->signals(), Signals::kPeerClosed));
  EXPECT_EQ(remote_->Wait().error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Queue(UserPacket(12, 0)).error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Cancel(12).error().status, Status::kPeerGone);
  auto ends = Channel::Create().value();
  EXPECT_EQ(remote_->WaitAsync(ends.first, Signals::kReadable, 12).error().status,
            Status::kPeerGone);
}

TEST_P(PortRemoteTest, PacketsThatArrivedSurviveTheCut) {
  ASSERT_TRUE(local_->Queue(UserPacket(13, 0)).ok());
  ASSERT_TRUE(Any(WaitForSignals(*remote_, Signals::kReadable), Signals::kReadable));
  pair_->Cut();
  ASSERT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  Result<Packet> packet = remote_->Wait();
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  EXPECT_EQ(packet->key, 13u);
  EXPECT_EQ(remote_->Wait().error().status, Status::kPeerGone);
}

TEST_P(PortRemoteTest, AProxySentOnAfterWaitingCarriesItsFetchedPackets) {
  for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(local_->Queue(UserPacket(1, i)).ok());
  Result<Packet> first = WaitPacket(*remote_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->user[0], 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // 1..4 reach the proxy.
  Result<Ref<PortOps>> moved = testing::SendOnFromB<PortOps>(*pair_, remote_);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  {
    // A second destination that never runs takes nothing.
    Result<Ref<PortOps>> unused = testing::SendOnFromB<PortOps>(*pair_, remote_);
    ASSERT_TRUE(unused.ok()) << unused.error().message;
  }
  remote_.reset();
  ASSERT_TRUE(local_->Queue(UserPacket(1, 5)).ok());
  for (uint64_t i = 1; i <= 5; ++i) {
    Result<Packet> packet = WaitPacket(**moved);
    ASSERT_TRUE(packet.ok()) << "packet " << i << ": " << packet.error().message;
    EXPECT_EQ(packet->user[0], i);
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, PortRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
