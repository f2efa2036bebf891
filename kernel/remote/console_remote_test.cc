// Consoles across the wire, over both transports of remote::Pair: bytes
// written through the proxy reach the console in order and read back
// through it at their offsets; close through the proxy ends the stream
// (readers get kPeerClosed, the proxy shows it through the watch); the
// server enforces the capability's rights; a cut connection fails calls
// promptly with kPeerGone.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "kernel/object/console.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }
std::string Text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

class ConsoleRemoteTest : public testing::ProxiedTest<Console, ConsoleOps> {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    local_ = Console::Create().value();
    remote_ = ProxyOf<ConsoleOps>(local_, DefaultRights(ObjectType::kConsole) | Rights::kManage);
    ASSERT_NE(remote_, nullptr);
  }
};

TEST_P(ConsoleRemoteTest, WritesReachTheConsoleInOrderAndReadBack) {
  std::vector<uint8_t> one = Bytes("hello ");
  std::vector<uint8_t> two = Bytes("world");
  EXPECT_EQ(*remote_->Write(one), 6u);
  EXPECT_EQ(*remote_->Write(two), 11u);
  // A read is a call behind the writes, so it sees them.
  Result<ConsoleChunk> chunk = remote_->Read(0, 100);
  ASSERT_TRUE(chunk.ok()) << chunk.error().message;
  EXPECT_EQ(chunk->offset, 0u);
  EXPECT_EQ(Text(chunk->bytes), "hello world");
  chunk = remote_->Read(6, 3);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(Text(chunk->bytes), "wor");
  EXPECT_EQ(remote_->Read(11, 10).error().status, Status::kShouldWait);
  // Written on the serving node, read here.
  std::vector<uint8_t> three = Bytes("!");
  ASSERT_TRUE(local_->Write(three).ok());
  EXPECT_EQ(Text(remote_->Read(11, 10)->bytes), "!");
}

TEST_P(ConsoleRemoteTest, CloseEndsTheStream) {
  std::vector<uint8_t> last = Bytes("bye");
  ASSERT_TRUE(remote_->Write(last).ok());
  ASSERT_TRUE(remote_->Close().ok());
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  EXPECT_EQ(Text(remote_->Read(0, 10)->bytes), "bye");
  EXPECT_EQ(remote_->Read(3, 10).error().status, Status::kPeerClosed);
  EXPECT_FALSE(local_->Write(last).ok());
}

TEST_P(ConsoleRemoteTest, ServerEnforcesTheCapabilitysRights) {
  Ref<ConsoleOps> reader = ProxyOf<ConsoleOps>(local_, Rights::kRead | Rights::kWait);
  ASSERT_NE(reader, nullptr);
  std::vector<uint8_t> data = Bytes("x");
  ASSERT_TRUE(local_->Write(data).ok());
  EXPECT_EQ(Text(reader->Read(0, 10)->bytes), "x");
  // Posted writes and closes are refused there: the console is unchanged.
  (void)reader->Write(data);
  (void)reader->Close();
  Ref<ConsoleOps> writer = ProxyOf<ConsoleOps>(local_, Rights::kWrite | Rights::kWait);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->Read(0, 10).error().status, Status::kAccessDenied);
  EXPECT_EQ(Text(reader->Read(0, 10)->bytes), "x");
  EXPECT_FALSE(Any(local_->signals(), Signals::kPeerClosed));
  // The refusal comes back to the writer without kWrite on its next write.
  EXPECT_EQ(reader->Write(data).error().status, Status::kAccessDenied);
  reader.reset();
  writer.reset();
}

TEST_P(ConsoleRemoteTest, CutConnectionFailsCallsPromptly) {
  std::vector<uint8_t> data = Bytes("x");
  ASSERT_TRUE(remote_->Write(data).ok());
  ASSERT_TRUE(remote_->Read(0, 1).ok());
  pair_->Cut();
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(remote_->Read(0, 1).error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Write(data).error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Close().error().status, Status::kPeerGone);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

INSTANTIATE_TEST_SUITE_P(Transports, ConsoleRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
