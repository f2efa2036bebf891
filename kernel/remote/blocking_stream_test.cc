// BlockingStream and BlockingListener on 127.0.0.1, with node certificates
// from deploy/gen-certs: bytes arrive as written both ways, each end must
// prove the name the other expects (and be signed by the cluster's CA),
// and a peer that goes, a shutdown from another thread, or no connection
// at all ends a wait with an error instead of a hang or a SIGPIPE.
#include "kernel/remote/blocking_stream.h"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "kernel/remote/test_certificates.h"

namespace shoal::kernel::remote {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kPatience = 10s;

class BlockingStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = MintTestCertificates({"node-a", "node-b"});
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    auto other = MintTestCertificates({"node-a"});
    ASSERT_TRUE(other.ok()) << other.error().message;
    contexts_ = new std::map<std::string, std::unique_ptr<TlsContext>>();
    auto add = [](const std::string& key, const TlsIdentity& id) {
      auto context = TlsContext::Create(id.certificate, id.private_key, id.ca);
      ASSERT_TRUE(context.ok()) << context.error().message;
      (*contexts_)[key] = std::move(context).value();
    };
    add("node-a", cluster->at("node-a"));
    add("node-b", cluster->at("node-b"));
    add("stranger-a", other->at("node-a"));  // Another cluster's node-a.
  }
  static void TearDownTestSuite() { delete contexts_; }

  static const TlsContext* Tls(const std::string& key) { return contexts_->at(key).get(); }

  // Listens; the accepting side (as `server`, expecting `client_name`)
  // runs on a thread of its own while `client` (expecting `server_name`)
  // connects.
  struct Ends {
    Result<std::unique_ptr<BlockingStream>> client = MakeError(Status::kInternal, "unset");
    Result<std::unique_ptr<BlockingStream>> server = MakeError(Status::kInternal, "unset");
  };
  static Ends Connect(const TlsContext* client, const std::string& server_name,
                      const TlsContext* server, const std::string& client_name) {
    auto listener = BlockingListener::Listen("127.0.0.1");
    EXPECT_TRUE(listener.ok()) << listener.error().message;
    Ends ends;
    std::thread accepting([&] {
      Result<int> fd = (*listener)->AcceptOne(kPatience);
      if (!fd.ok()) {
        ends.server = fd.error();
        return;
      }
      ends.server = BlockingStream::Accept(*fd, server, client_name, kPatience);
    });
    ends.client =
        BlockingStream::Connect("127.0.0.1", (*listener)->port(), client, server_name, kPatience);
    if (!ends.client.ok()) (*listener)->Wake();
    accepting.join();
    return ends;
  }

  static std::map<std::string, std::unique_ptr<TlsContext>>* contexts_;
};

std::map<std::string, std::unique_ptr<TlsContext>>* BlockingStreamTest::contexts_ = nullptr;

std::vector<uint8_t> Pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = uint8_t(i * 131 + i / 4099);
  return bytes;
}

TEST_F(BlockingStreamTest, BytesArriveAsWrittenBothWaysOverTls) {
  Ends ends = Connect(Tls("node-a"), "node-b", Tls("node-b"), "node-a");
  ASSERT_TRUE(ends.client.ok()) << ends.client.error().message;
  ASSERT_TRUE(ends.server.ok()) << ends.server.error().message;
  // More than the socket buffers hold, so the writer blocks on the reader.
  const std::vector<uint8_t> sent = Pattern(24 << 20);
  auto writer = std::async(std::launch::async,
                           [&] { return (*ends.client)->Write(sent.data(), sent.size()); });
  std::vector<uint8_t> got(sent.size());
  VoidResult read = (*ends.server)->Read(got.data(), got.size());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_TRUE(writer.get().ok());
  EXPECT_EQ(got, sent);

  const char answer[] = "ok";
  ASSERT_TRUE((*ends.server)->Write(answer, sizeof answer).ok());
  char back[sizeof answer] = {};
  ASSERT_TRUE((*ends.client)->Read(back, sizeof back).ok());
  EXPECT_STREQ(back, "ok");
}

TEST_F(BlockingStreamTest, PlainTcpWithoutTlsCarriesTheSameBytes) {
  Ends ends = Connect(nullptr, "node-b", nullptr, "node-a");
  ASSERT_TRUE(ends.client.ok()) << ends.client.error().message;
  ASSERT_TRUE(ends.server.ok()) << ends.server.error().message;
  const std::vector<uint8_t> sent = Pattern(3 << 20);
  auto writer = std::async(std::launch::async,
                           [&] { return (*ends.client)->Write(sent.data(), sent.size()); });
  std::vector<uint8_t> got(sent.size());
  ASSERT_TRUE((*ends.server)->Read(got.data(), got.size()).ok());
  ASSERT_TRUE(writer.get().ok());
  EXPECT_EQ(got, sent);
}

TEST_F(BlockingStreamTest, AServerThatIsNotTheNodeExpectedIsRefused) {
  // node-b answers where the client expects node-a.
  Ends ends = Connect(Tls("node-a"), "node-a", Tls("node-b"), "node-a");
  ASSERT_FALSE(ends.client.ok());
  EXPECT_EQ(ends.client.error().status, Status::kAccessDenied) << ends.client.error().message;
  EXPECT_NE(ends.client.error().message.find("node-a"), std::string::npos)
      << ends.client.error().message;
  EXPECT_FALSE(ends.server.ok());
}

TEST_F(BlockingStreamTest, AClientThatIsNotTheNodeExpectedIsRefused) {
  // node-a dials, where the server expects node-b.
  Ends ends = Connect(Tls("node-a"), "node-b", Tls("node-b"), "node-b");
  ASSERT_FALSE(ends.server.ok());
  EXPECT_EQ(ends.server.error().status, Status::kAccessDenied) << ends.server.error().message;
  // The client learns of it at the latest at its first read.
  if (ends.client.ok()) {
    uint8_t byte;
    EXPECT_FALSE((*ends.client)->Read(&byte, 1).ok());
  }
}

TEST_F(BlockingStreamTest, ACertificateOfAnotherClusterIsRefused) {
  Ends ends = Connect(Tls("stranger-a"), "node-b", Tls("node-b"), "node-a");
  // Each side finds the other's certificate signed by a CA it does not
  // trust; whichever notices first, neither gets a stream.
  ASSERT_FALSE(ends.client.ok());
  EXPECT_EQ(ends.client.error().status, Status::kAccessDenied) << ends.client.error().message;
  ASSERT_FALSE(ends.server.ok());
  EXPECT_EQ(ends.server.error().status, Status::kAccessDenied) << ends.server.error().message;
}

TEST_F(BlockingStreamTest, AShutdownFromAnotherThreadEndsABlockedRead) {
  Ends ends = Connect(Tls("node-a"), "node-b", Tls("node-b"), "node-a");
  ASSERT_TRUE(ends.client.ok() && ends.server.ok());
  BlockingStream& server = **ends.server;
  auto reader = std::async(std::launch::async, [&] {
    uint8_t byte;
    return server.Read(&byte, 1);
  });
  std::this_thread::sleep_for(50ms);
  server.Shutdown();
  ASSERT_EQ(reader.wait_for(kPatience), std::future_status::ready);
  VoidResult read = reader.get();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().status, Status::kPeerGone);
}

TEST_F(BlockingStreamTest, APeerThatGoesEndsReadsAndWritesWithoutASignal) {
  Ends ends = Connect(Tls("node-a"), "node-b", Tls("node-b"), "node-a");
  ASSERT_TRUE(ends.client.ok() && ends.server.ok());
  ends.server = MakeError(Status::kInternal, "closed");  // Closes the server's socket.
  uint8_t byte;
  VoidResult read = (*ends.client)->Read(&byte, 1);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().status, Status::kPeerGone) << read.error().message;
  // Writes to the closed socket fail (EPIPE), and the SIGPIPE they raise
  // does not end this process.
  const std::vector<uint8_t> bytes = Pattern(1 << 20);
  VoidResult written = Ok();
  for (int i = 0; i < 64 && written.ok(); ++i) {
    written = (*ends.client)->Write(bytes.data(), bytes.size());
  }
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().status, Status::kPeerGone) << written.error().message;
}

TEST_F(BlockingStreamTest, AListenerNobodyDialsTimesOutOrIsWoken) {
  auto listener = BlockingListener::Listen("127.0.0.1");
  ASSERT_TRUE(listener.ok()) << listener.error().message;
  EXPECT_NE((*listener)->port(), 0);
  Result<int> none = (*listener)->AcceptOne(50ms);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().status, Status::kPeerGone);

  auto waiting = std::async(std::launch::async, [&] { return (*listener)->AcceptOne(kPatience); });
  std::this_thread::sleep_for(20ms);
  (*listener)->Wake();
  ASSERT_EQ(waiting.wait_for(kPatience), std::future_status::ready);
  Result<int> woken = waiting.get();
  ASSERT_FALSE(woken.ok());
  EXPECT_EQ(woken.error().status, Status::kBadState);
}

TEST_F(BlockingStreamTest, NobodyListeningIsAClearError) {
  uint16_t port;
  {
    auto listener = BlockingListener::Listen("127.0.0.1");
    ASSERT_TRUE(listener.ok());
    port = (*listener)->port();
  }  // Closed: the port refuses.
  auto stream = BlockingStream::Connect("127.0.0.1", port, Tls("node-a"), "node-b", kPatience);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().status, Status::kPeerGone);
  EXPECT_NE(stream.error().message.find("cannot connect to 127.0.0.1 port"), std::string::npos)
      << stream.error().message;
}

}  // namespace
}  // namespace shoal::kernel::remote
