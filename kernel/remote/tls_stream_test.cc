// TlsStream between two ends of a socket pair on one event loop, with node
// certificates from deploy/gen-certs: large and small transfers arrive byte
// for byte, short reads return what has come, close_notify ends the peer's
// reads, and a peer that vanishes or sends ciphertext that does not decrypt
// is an error, never a hang.
#include "kernel/remote/tls_stream.h"

#include <gtest/gtest.h>
#include <kj/debug.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "kernel/remote/test_certificates.h"

namespace shoal::kernel::remote {
namespace {

// The bound on any one wait, so a broken stream fails the test instead of
// hanging it.
constexpr kj::Duration kPatience = 10 * kj::SECONDS;

class TlsStreamTest : public ::testing::Test {
 protected:
  // kj's members may throw from their destructors; gtest's base may not.
  ~TlsStreamTest() noexcept override {}

  static void SetUpTestSuite() {
    auto minted = MintTestCertificates({"node-a", "node-b"});
    ASSERT_TRUE(minted.ok()) << minted.error().message;
    certs_ = new std::map<std::string, TlsIdentity>(std::move(minted).value());
  }
  static void TearDownTestSuite() { delete certs_; }

  void SetUp() override {
    for (const char* name : {"node-a", "node-b"}) {
      const TlsIdentity& id = certs_->at(name);
      auto context = TlsContext::Create(id.certificate, id.private_key, id.ca);
      ASSERT_TRUE(context.ok()) << context.error().message;
      contexts_[name] = std::move(context).value();
    }
  }

  template <typename T>
  T Wait(kj::Promise<T> promise) {
    return io_.provider->getTimer().timeoutAfter(kPatience, kj::mv(promise)).wait(io_.waitScope);
  }

  // node-b dials node-a over `client_socket` and `server_socket`.
  void Connect(kj::Own<kj::AsyncIoStream> client_socket, kj::Own<kj::AsyncIoStream> server_socket) {
    // Eager: kj drives a promise only when waited on, and the two
    // handshakes need each other.
    auto accepted =
        TlsStream::Accept(*contexts_["node-a"], kj::mv(server_socket)).eagerlyEvaluate(nullptr);
    auto connected = TlsStream::Connect(*contexts_["node-b"], kj::mv(client_socket), "node-a");
    client_ = Wait(kj::mv(connected));
    server_ = Wait(kj::mv(accepted));
  }
  void Connect() {
    auto pipe = io_.provider->newTwoWayPipe();
    Connect(kj::mv(pipe.ends[0]), kj::mv(pipe.ends[1]));
  }

  // Reads until the stream ends (or `limit` bytes came).
  std::vector<kj::byte> ReadAll(kj::AsyncIoStream& from, size_t limit) {
    std::vector<kj::byte> got(limit);
    size_t n = Wait(from.tryRead(got.data(), limit, limit));
    got.resize(n);
    return got;
  }

  // The type of the exception `promise` fails with; FAILED's opposite,
  // UNIMPLEMENTED, when it does not fail.
  kj::Exception::Type FailureOf(kj::Promise<size_t> promise) {
    auto failed = promise.then([](size_t) { return kj::Exception::Type::UNIMPLEMENTED; },
                               [](kj::Exception&& e) { return e.getType(); });
    return Wait(kj::mv(failed));
  }

  static std::map<std::string, TlsIdentity>* certs_;
  kj::AsyncIoContext io_ = kj::setupAsyncIo();
  std::map<std::string, std::unique_ptr<TlsContext>> contexts_;
  kj::Own<TlsStream> client_;
  kj::Own<TlsStream> server_;
};

std::map<std::string, TlsIdentity>* TlsStreamTest::certs_ = nullptr;

std::vector<kj::byte> RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<kj::byte> bytes(size);
  for (auto& b : bytes) b = kj::byte(random());
  return bytes;
}

// Writes `bytes` in writes of random sizes (up to 300 KB, so some span
// many records and some are smaller than one), each split into two pieces.
kj::Promise<void> WriteInRandomPieces(kj::AsyncIoStream& to, const std::vector<kj::byte>& bytes,
                                      std::mt19937& random, size_t at = 0) {
  if (at == bytes.size()) return kj::READY_NOW;
  size_t size = std::min(bytes.size() - at, size_t(random() % 300'000 + 1));
  size_t split = random() % (size + 1);
  auto pieces = kj::heapArray<kj::ArrayPtr<const kj::byte>>(
      {kj::arrayPtr(bytes.data() + at, split),
       kj::arrayPtr(bytes.data() + at + split, size - split)});
  auto written = to.write(pieces);
  return written.attach(kj::mv(pieces)).then([&to, &bytes, &random, at, size] {
    return WriteInRandomPieces(to, bytes, random, at + size);
  });
}

// Reads exactly `into.size()` bytes with reads whose minimum is below their
// maximum, of random sizes.
kj::Promise<void> ReadInRandomSizes(kj::AsyncIoStream& from, std::vector<kj::byte>& into,
                                    std::mt19937& random, size_t at = 0) {
  if (at == into.size()) return kj::READY_NOW;
  size_t max = std::min(into.size() - at, size_t(random() % 200'000 + 1));
  size_t min = max / 2 + 1;
  return from.tryRead(into.data() + at, min, max)
      .then([&from, &into, &random, at, min](size_t got) -> kj::Promise<void> {
        KJ_REQUIRE(got >= min, "the stream ended early", got, min);
        return ReadInRandomSizes(from, into, random, at + got);
      });
}

TEST_F(TlsStreamTest, LargeTransfersBothWaysArriveByteForByte) {
  Connect();
  constexpr size_t kSize = 4 << 20;
  std::vector<kj::byte> to_server = RandomBytes(kSize, 1), to_client = RandomBytes(kSize, 2);
  std::vector<kj::byte> at_server(kSize), at_client(kSize);
  std::mt19937 r1(3), r2(4), r3(5), r4(6);
  auto all = kj::heapArrayBuilder<kj::Promise<void>>(4);
  all.add(WriteInRandomPieces(*client_, to_server, r1));
  all.add(WriteInRandomPieces(*server_, to_client, r2));
  all.add(ReadInRandomSizes(*server_, at_server, r3));
  all.add(ReadInRandomSizes(*client_, at_client, r4));
  Wait(kj::joinPromises(all.finish()));
  EXPECT_TRUE(at_server == to_server);
  EXPECT_TRUE(at_client == to_client);
}

TEST_F(TlsStreamTest, ManySmallMessagesKeepTheirOrder) {
  Connect();
  constexpr int kMessages = 5000;
  std::string sent;
  kj::Promise<void> writes = kj::READY_NOW;
  for (int i = 0; i < kMessages; ++i) {
    auto message = kj::str("message ", i, ";");
    sent += message.cStr();
    writes = writes.then([this, message = kj::mv(message)]() mutable {
      auto written = client_->write(message.begin(), message.size());
      return written.attach(kj::mv(message));
    });
  }
  std::string received(sent.size(), '\0');
  auto read = server_->read(received.data(), received.size()).eagerlyEvaluate(nullptr);
  Wait(kj::mv(writes));
  Wait(kj::mv(read));
  EXPECT_EQ(received, sent);
}

TEST_F(TlsStreamTest, AReadBelowItsMaximumReturnsWhatHasCome) {
  Connect();
  Wait(client_->write("ten bytes!", 10));
  char buffer[1000];
  size_t got = Wait(server_->tryRead(buffer, 1, sizeof(buffer)));
  EXPECT_EQ(std::string(buffer, got), "ten bytes!");
  // What a record holds beyond a read stays for the next one.
  Wait(client_->write("abcdefgh", 8));
  EXPECT_EQ(Wait(server_->tryRead(buffer, 3, 3)), 3u);
  EXPECT_EQ(std::string(buffer, 3), "abc");
  EXPECT_EQ(Wait(server_->tryRead(buffer, 1, sizeof(buffer))), 5u);
  EXPECT_EQ(std::string(buffer, 5), "defgh");
}

TEST_F(TlsStreamTest, ShutdownWriteEndsThePeersReadsAndKeepsTheOtherWayOpen) {
  Connect();
  Wait(client_->write("last words", 10));
  client_->shutdownWrite();
  std::vector<kj::byte> got = ReadAll(*server_, 100);
  EXPECT_EQ(std::string(got.begin(), got.end()), "last words");
  char byte;
  EXPECT_EQ(Wait(server_->tryRead(&byte, 1, 1)), 0u);  // Still the end.
  EXPECT_EQ(FailureOf(client_->write("more", 4).then([] { return size_t(0); })),
            kj::Exception::Type::FAILED);

  Wait(server_->write("reply", 5));
  server_->shutdownWrite();
  got = ReadAll(*client_, 100);
  EXPECT_EQ(std::string(got.begin(), got.end()), "reply");
}

TEST_F(TlsStreamTest, APeerThatVanishesMidStreamIsDisconnected) {
  Connect();
  Wait(server_->write("partial", 7));
  server_ = nullptr;  // No close_notify: the socket just closes.
  char buffer[100];
  EXPECT_EQ(Wait(client_->tryRead(buffer, 7, 7)), 7u);
  EXPECT_EQ(FailureOf(client_->tryRead(buffer, 1, sizeof(buffer))),
            kj::Exception::Type::DISCONNECTED);
}

// The client's side runs over a socket the test can also write to directly.
class RawSocketTest : public TlsStreamTest {
 protected:
  ~RawSocketTest() noexcept override {}
  void SetUp() override {
    TlsStreamTest::SetUp();
    auto pipe = io_.provider->newTwoWayPipe();
    raw_ = kj::mv(pipe.ends[0]);
    Connect(kj::Own<kj::AsyncIoStream>(raw_.get(), kj::NullDisposer::instance),
            kj::mv(pipe.ends[1]));
  }
  void TearDown() override { client_ = nullptr; }  // Before raw_, which it uses.

  kj::Own<kj::AsyncIoStream> raw_;
};

TEST_F(RawSocketTest, CiphertextThatDoesNotDecryptFails) {
  // An application-data record of 32 bytes that no key made.
  std::vector<kj::byte> record = {0x17, 0x03, 0x03, 0x00, 0x20};
  std::vector<kj::byte> junk = RandomBytes(32, 7);
  record.insert(record.end(), junk.begin(), junk.end());
  Wait(raw_->write(record.data(), record.size()));
  char buffer[100];
  EXPECT_EQ(FailureOf(server_->tryRead(buffer, 1, sizeof(buffer))), kj::Exception::Type::FAILED);
}

TEST_F(RawSocketTest, AStreamCutOffInsideARecordIsDisconnected) {
  Wait(client_->write("whole", 5));
  // The header promises 16 KiB; ten bytes come, then the end.
  std::vector<kj::byte> cut = {0x17, 0x03, 0x03, 0x40, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  Wait(raw_->write(cut.data(), cut.size()));
  raw_->shutdownWrite();
  char buffer[100];
  EXPECT_EQ(Wait(server_->tryRead(buffer, 5, 5)), 5u);
  EXPECT_EQ(std::string(buffer, 5), "whole");
  EXPECT_EQ(FailureOf(server_->tryRead(buffer, 1, sizeof(buffer))),
            kj::Exception::Type::DISCONNECTED);
}

TEST_F(TlsStreamTest, AServerThatDoesNotProveTheNameIsRefused) {
  auto pipe = io_.provider->newTwoWayPipe();
  auto accepted =
      TlsStream::Accept(*contexts_["node-a"], kj::mv(pipe.ends[1])).eagerlyEvaluate(nullptr);
  auto connected = TlsStream::Connect(*contexts_["node-b"], kj::mv(pipe.ends[0]), "node-z");
  auto failed = connected.then([](kj::Own<TlsStream>) { return std::string("connected"); },
                               [](kj::Exception&& e) {
                                 EXPECT_EQ(e.getType(), kj::Exception::Type::FAILED);
                                 return std::string(e.getDescription().cStr());
                               });
  std::string why = Wait(kj::mv(failed));
  EXPECT_NE(why.find("certificate verify failed"), std::string::npos) << why;
  // The server hears the client's alert.
  auto refused =
      accepted.then([](kj::Own<TlsStream>) { return false; }, [](kj::Exception&&) { return true; });
  EXPECT_TRUE(Wait(kj::mv(refused)));
}

}  // namespace
}  // namespace shoal::kernel::remote
