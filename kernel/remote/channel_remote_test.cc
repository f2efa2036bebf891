// Channels across the wire, over every transport of remote::Pair: messages
// and handles flow both ways in order, a full window parks the writer,
// peer-closed crosses, and a cut connection fails the proxy with kPeerGone.
// A proxy that has fetched messages ahead and is sent on (its process
// moving) is served by its node, so its messages reach the new holder in
// order; the new holder takes none before it reads, so a move that never
// commits leaves them all with the old holder.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::string Text(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

// Reads one message, waiting (bounded) for it to arrive.
Result<Message> ReadWaiting(ChannelOps& channel) {
  WaitForSignals(channel, Signals::kReadable | Signals::kPeerClosed);
  return channel.Read(ReadLimits{});
}

class ChannelRemoteTest : public ::testing::TestWithParam<Pair::Transport> {
 protected:
  void SetUp() override {
    pair_ = Pair::Create(GetParam());
    ASSERT_NE(pair_, nullptr);
    auto ends = Channel::Create();
    ASSERT_TRUE(ends.ok());
    local_ = ends->first;
    auto proxy = pair_->Proxy(ends->second, DefaultRights(ObjectType::kChannel));
    ASSERT_TRUE(proxy.ok()) << proxy.error().message;
    remote_ = std::static_pointer_cast<ChannelOps>(*proxy);
  }

  std::unique_ptr<Pair> pair_;
  Ref<ChannelOps> local_;
  Ref<ChannelOps> remote_;
};

TEST_P(ChannelRemoteTest, MessagesFlowBothWaysInOrder) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(local_->Write(Bytes("to-remote " + std::to_string(i)), {}).ok());
  }
  for (int i = 0; i < 100; ++i) {
    auto m = ReadWaiting(*remote_);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(Text(m->bytes), "to-remote " + std::to_string(i));
  }
  for (int i = 0; i < 100; ++i) {
    VoidResult w = remote_->Write(Bytes("to-local " + std::to_string(i)), {});
    while (!w.ok() && w.error().status == Status::kShouldWait) {
      WaitForSignals(*remote_, Signals::kWritable);
      w = remote_->Write(Bytes("to-local " + std::to_string(i)), {});
    }
    ASSERT_TRUE(w.ok()) << w.error().message;
  }
  for (int i = 0; i < 100; ++i) {
    auto m = ReadWaiting(*local_);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(Text(m->bytes), "to-local " + std::to_string(i));
  }
}

TEST_P(ChannelRemoteTest, HandlesCrossAndComeHomeAsTheSameObject) {
  auto inner = Channel::Create();
  ASSERT_TRUE(inner.ok());
  std::vector<HandleEntry> handles{{inner->first, DefaultRights(ObjectType::kChannel)}};
  ASSERT_TRUE(local_->Write(Bytes("one handle"), handles).ok());
  auto m = ReadWaiting(*remote_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->handles.size(), 1u);
  EXPECT_NE(m->handles[0].object, inner->first);  // A proxy on this side.
  // Sent back, it arrives as the original endpoint.
  ASSERT_TRUE(remote_->Write(Bytes("back"), m->handles).ok());
  auto back = ReadWaiting(*local_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->handles.size(), 1u);
  EXPECT_EQ(back->handles[0].object, inner->first);
  EXPECT_EQ(back->handles[0].rights, DefaultRights(ObjectType::kChannel));
}

TEST_P(ChannelRemoteTest, ProxiedEndpointCarriesMessagesToItsPeer) {
  // A message written into the proxied inner endpoint reaches its local peer.
  auto inner = Channel::Create();
  ASSERT_TRUE(inner.ok());
  ASSERT_TRUE(
      local_->Write(Bytes("take it"), {{inner->first, DefaultRights(ObjectType::kChannel)}}).ok());
  auto m = ReadWaiting(*remote_);
  ASSERT_TRUE(m.ok());
  auto inner_proxy = std::static_pointer_cast<ChannelOps>(m->handles[0].object);
  ASSERT_TRUE(inner_proxy->Write(Bytes("through"), {}).ok());
  auto got = ReadWaiting(*inner->second);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Text(got->bytes), "through");
}

TEST_P(ChannelRemoteTest, PeerClosedCrossesAfterQueuedMessages) {
  ASSERT_TRUE(local_->Write(Bytes("last words"), {}).ok());
  local_.reset();
  auto m = ReadWaiting(*remote_);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(Text(m->bytes), "last words");
  EXPECT_TRUE(Contains(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  auto end = remote_->Read(ReadLimits{});
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().status, Status::kPeerClosed);
}

TEST_P(ChannelRemoteTest, CutConnectionFailsTheProxyWithPeerGone) {
  pair_->Cut();
  EXPECT_TRUE(Contains(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  VoidResult w = remote_->Write(Bytes("into the void"), {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().status, Status::kPeerGone);
  auto r = remote_->Read(ReadLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kPeerGone);
}

TEST_P(ChannelRemoteTest, DroppingTheProxyReleasesTheRemoteEndpoint) {
  remote_.reset();
  // The server (and its reference) goes when capnp drops the capability.
  EXPECT_TRUE(Contains(WaitForSignals(*local_, Signals::kPeerClosed), Signals::kPeerClosed));
}

// remote_, having read one of five messages (the rest fetched ahead), is
// sent on; `use` then reads through whichever proxy holds the messages.
TEST_P(ChannelRemoteTest, AProxySentOnAfterReadingCarriesItsFetchedMessages) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(local_->Write(Bytes("m" + std::to_string(i)), {}).ok());
  auto first = ReadWaiting(*remote_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(Text(first->bytes), "m0");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // m1..m4 reach the inbox.
  Result<Ref<ChannelOps>> moved = testing::SendOnFromB<ChannelOps>(*pair_, remote_);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  remote_.reset();  // The old holder lets go; its node still serves the proxy.
  ASSERT_TRUE(local_->Write(Bytes("m5"), {}).ok());
  for (int i = 1; i <= 5; ++i) {
    auto m = ReadWaiting(**moved);
    ASSERT_TRUE(m.ok()) << "message " << i << ": " << m.error().message;
    EXPECT_EQ(Text(m->bytes), "m" + std::to_string(i));
  }
  // Writes still reach the peer, through the old holder's node.
  ASSERT_TRUE((*moved)->Write(Bytes("back"), {}).ok());
  auto back = ReadWaiting(*local_);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(Text(back->bytes), "back");
}

TEST_P(ChannelRemoteTest, AProxySentOnButNeverReadTakesNoMessage) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(local_->Write(Bytes("m" + std::to_string(i)), {}).ok());
  auto first = ReadWaiting(*remote_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  {
    // The destination imports the handle; the move fails before its process
    // ever ran there.
    Result<Ref<ChannelOps>> moved = testing::SendOnFromB<ChannelOps>(*pair_, remote_);
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int i = 1; i < 5; ++i) {
    auto m = ReadWaiting(*remote_);
    ASSERT_TRUE(m.ok()) << "message " << i << ": " << m.error().message;
    EXPECT_EQ(Text(m->bytes), "m" + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, ChannelRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
