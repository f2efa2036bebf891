// The page stream between a sender and a receiver on 127.0.0.1, over TLS
// with node certificates: batches land in the staged memories byte for
// byte, and the sender learns of every refusal (a wrong token, a batch that
// does not apply, a receiver that went) as an error with the reason, never
// a hang. ReceivePages itself is also fed bytes that are not frames.
#include "migrate/page_stream.h"

#include <arpa/inet.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kernel/remote/test_certificates.h"
#include "kernel/vm/runtime.h"

namespace shoal::migrate {
namespace {

using namespace std::chrono_literals;
using kernel::remote::TlsContext;

constexpr std::chrono::milliseconds kPatience = 10s;
constexpr uint64_t kBudget = 64 << 20;

// A memory's bytes: `wasm_pages` 64 KiB pages, every fifth 4 KiB page
// zero, the first half's others compressible and the second half's random
// (so batches carry zero, zstd and following runs).
std::vector<uint8_t> MemoryBytes(uint32_t wasm_pages, uint8_t seed) {
  std::vector<uint8_t> bytes(size_t(wasm_pages) * vm::kPageSize);
  uint64_t random = 0x9e3779b97f4a7c15ull * (seed + 1);
  for (size_t i = 0; i < bytes.size(); ++i) {
    random ^= random << 13;
    random ^= random >> 7;
    random ^= random << 17;
    bytes[i] = (i / 4096) % 5 == 3    ? 0
               : i < bytes.size() / 2 ? uint8_t(i * 7 + seed + i / 8191)
                                      : uint8_t(random);
  }
  return bytes;
}

// Every 4 KiB page of `memory`, in batches of `per_batch`, as a page
// stream sends them.
std::vector<PageBatch> Batches(const std::vector<uint8_t>& memory, uint32_t per_batch) {
  std::vector<PageBatch> batches;
  const uint32_t pages = uint32_t(memory.size() / 4096);
  ZstdTrials trials;
  for (uint32_t first = 0; first < pages; first += per_batch) {
    std::vector<uint32_t> list;
    for (uint32_t p = first; p < std::min(pages, first + per_batch); ++p) list.push_back(p);
    auto batch =
        EncodePageBatch(memory.data(), memory.size(), list, 1, &trials, RawPages::kFollowing);
    EXPECT_TRUE(batch.ok()) << batch.error().message;
    batches.push_back(std::move(batch).value());
  }
  return batches;
}

class PageStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto certs = kernel::remote::MintTestCertificates({"node-a", "node-b"});
    ASSERT_TRUE(certs.ok()) << certs.error().message;
    contexts_ = new std::map<std::string, std::unique_ptr<TlsContext>>();
    for (const char* name : {"node-a", "node-b"}) {
      const auto& id = certs->at(name);
      auto context = TlsContext::Create(id.certificate, id.private_key, id.ca);
      ASSERT_TRUE(context.ok()) << context.error().message;
      (*contexts_)[name] = std::move(context).value();
    }
  }
  static void TearDownTestSuite() { delete contexts_; }

  // node-b receives from node-a into `staged_`.
  std::unique_ptr<PageStreamReceiver> Receive(std::chrono::milliseconds timeout = kPatience) {
    PageStreamReceiver::Options options;
    options.host = "127.0.0.1";
    options.tls = contexts_->at("node-b").get();
    options.peer = "node-a";
    options.timeout = timeout;
    options.on_batch = [this] { ++batches_seen_; };
    auto receiver = PageStreamReceiver::Start(std::move(options), staged_);
    EXPECT_TRUE(receiver.ok()) << receiver.error().message;
    return std::move(receiver).value();
  }
  Result<std::unique_ptr<PageStreamSender>> Send(const PageStreamReceiver& to,
                                                 const PageToken& token) {
    return PageStreamSender::Connect("127.0.0.1", to.port(), token, contexts_->at("node-a").get(),
                                     "node-b", kPatience);
  }
  // Waits for the receiver's verdict.
  static VoidResult VerdictOf(PageStreamReceiver& receiver) {
    for (int i = 0; i < 1000; ++i) {
      if (std::optional<VoidResult> verdict = receiver.Verdict()) return *verdict;
      std::this_thread::sleep_for(10ms);
    }
    return MakeError(Status::kInternal, "no verdict within 10 s");
  }

  StagedMemories staged_{kBudget, /*prefault=*/true};
  std::atomic<int> batches_seen_{0};
  static std::map<std::string, std::unique_ptr<TlsContext>>* contexts_;
};

std::map<std::string, std::unique_ptr<TlsContext>>* PageStreamTest::contexts_ = nullptr;

TEST_F(PageStreamTest, BatchesOfTwoMemoriesLandByteForByte) {
  const std::vector<uint8_t> first = MemoryBytes(40, 1);  // 2.5 MiB
  const std::vector<uint8_t> second = MemoryBytes(3, 2);
  auto receiver = Receive();
  auto sender = Send(*receiver, receiver->token());
  ASSERT_TRUE(sender.ok()) << sender.error().message;
  int sent = 0;
  for (auto& batch : Batches(first, 256)) {
    ASSERT_TRUE((*sender)->Send(0, batch).ok());
    ++sent;
  }
  for (auto& batch : Batches(second, 7)) {
    ASSERT_TRUE((*sender)->Send(1, batch).ok());
    ++sent;
  }
  VoidResult finished = (*sender)->Finish();
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  // The verdict is there once the sender heard it.
  std::optional<VoidResult> verdict = receiver->Verdict();
  ASSERT_TRUE(verdict.has_value());
  ASSERT_TRUE(verdict->ok()) << verdict->error().message;
  EXPECT_EQ(batches_seen_.load(), sent);

  std::vector<std::unique_ptr<vm::Memory>> memories = staged_.Take();
  ASSERT_EQ(memories.size(), 2u);
  ASSERT_EQ(memories[0]->size_bytes(), first.size());
  ASSERT_EQ(memories[1]->size_bytes(), second.size());
  EXPECT_EQ(std::memcmp(memories[0]->data(), first.data(), first.size()), 0);
  EXPECT_EQ(std::memcmp(memories[1]->data(), second.data(), second.size()), 0);
}

TEST_F(PageStreamTest, AConnectionWithoutTheMovesTokenIsRefusedAndTheSourceStillGetsIn) {
  const std::vector<uint8_t> memory = MemoryBytes(2, 6);
  auto receiver = Receive();
  PageToken wrong = receiver->token();
  wrong[5] ^= 1;
  auto stray = Send(*receiver, wrong);
  ASSERT_TRUE(stray.ok()) << stray.error().message;
  VoidResult refused = (*stray)->Finish();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, Status::kAccessDenied) << refused.error().message;
  EXPECT_NE(refused.error().message.find("token"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(receiver->Verdict().has_value());  // Still waiting for the source.
  EXPECT_TRUE(staged_.empty());

  auto source = Send(*receiver, receiver->token());
  ASSERT_TRUE(source.ok()) << source.error().message;
  for (auto& batch : Batches(memory, 8)) ASSERT_TRUE((*source)->Send(0, batch).ok());
  VoidResult finished = (*source)->Finish();
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  auto memories = staged_.Take();
  ASSERT_EQ(memories.size(), 1u);
  EXPECT_EQ(std::memcmp(memories[0]->data(), memory.data(), memory.size()), 0);
}

TEST_F(PageStreamTest, ARefusalInTheMiddleOfTheStreamReachesTheSenderWithItsReason) {
  const std::vector<uint8_t> memory = MemoryBytes(64, 7);  // 4 MiB
  auto receiver = Receive();
  auto sender = Send(*receiver, receiver->token());
  ASSERT_TRUE(sender.ok()) << sender.error().message;
  auto batches = Batches(memory, 64);  // 256 KiB each.
  ASSERT_TRUE((*sender)->Send(0, batches[0]).ok());
  // Memory 5 skips memories 1 to 4: refused, while good batches keep
  // coming behind it faster than the destination reads them.
  VoidResult sent = (*sender)->Send(5, batches[1]);
  for (int round = 0; round < 16 && sent.ok(); ++round) {
    for (auto& batch : batches) {
      sent = (*sender)->Send(0, batch);
      if (!sent.ok()) break;
    }
  }
  if (sent.ok()) sent = (*sender)->Finish();
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().status, Status::kMalformed) << sent.error().message;
  EXPECT_NE(sent.error().message.find("came before any of memory 1"), std::string::npos)
      << sent.error().message;
}

TEST_F(PageStreamTest, ABatchThatDoesNotApplyIsTheSendersErrorWithItsReason) {
  const std::vector<uint8_t> memory = MemoryBytes(2, 3);
  auto receiver = Receive();
  auto sender = Send(*receiver, receiver->token());
  ASSERT_TRUE(sender.ok()) << sender.error().message;
  // Memory 2 before memories 0 and 1.
  auto batches = Batches(memory, 64);
  VoidResult sent = (*sender)->Send(2, batches[0]);
  // The receiver refuses at once; the sender hears why at its next step.
  VoidResult finished = sent.ok() ? (*sender)->Finish() : sent;
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().status, Status::kMalformed) << finished.error().message;
  EXPECT_NE(finished.error().message.find("came before any of memory 0"), std::string::npos)
      << finished.error().message;
}

TEST_F(PageStreamTest, AReceiverThatGoesEndsTheSendersWritesWithAnError) {
  const std::vector<uint8_t> memory = MemoryBytes(64, 4);  // 4 MiB
  auto receiver = Receive();
  auto sender = Send(*receiver, receiver->token());
  ASSERT_TRUE(sender.ok()) << sender.error().message;
  auto batches = Batches(memory, 256);
  ASSERT_TRUE((*sender)->Send(0, batches[0]).ok());
  receiver.reset();  // The move was dropped on the destination.
  VoidResult sent = Ok();
  // Bounded: the socket buffers hold a few MiB at most.
  for (int round = 0; round < 64 && sent.ok(); ++round) {
    for (auto& batch : batches) {
      sent = (*sender)->Send(0, batch);
      if (!sent.ok()) break;
    }
  }
  if (sent.ok()) sent = (*sender)->Finish();
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().status, Status::kPeerGone) << sent.error().message;
}

TEST_F(PageStreamTest, DroppingAMoveDoesNotWaitForASourceStuckInItsHandshake) {
  auto receiver = Receive(60s);  // Longer than the patience below.
  // A connection that never says a word: the receiver's thread waits in
  // the TLS handshake, for up to its timeout.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(receiver->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  std::this_thread::sleep_for(50ms);
  auto dropped = std::async(std::launch::async, [&] { receiver.reset(); });
  EXPECT_EQ(dropped.wait_for(kPatience), std::future_status::ready);
  dropped.get();
  close(fd);
}

TEST_F(PageStreamTest, NoConnectionInTimeIsTheVerdict) {
  auto receiver = Receive(50ms);
  VoidResult verdict = VerdictOf(*receiver);
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().status, Status::kPeerGone);
  EXPECT_NE(verdict.error().message.find("no connection came in time"), std::string::npos);
}

// Frames made by hand, read from memory.
class ReceivePagesTest : public ::testing::Test {
 protected:
  void Frame(uint32_t kind, uint32_t index, uint64_t size, const void* payload = nullptr) {
    auto put = [&](uint64_t value, int bytes) {
      for (int i = 0; i < bytes; ++i) bytes_.push_back(uint8_t(value >> (8 * i)));
    };
    put(kind, 4);
    put(index, 4);
    put(size, 8);
    if (payload != nullptr) {
      const auto* p = static_cast<const uint8_t*>(payload);
      bytes_.insert(bytes_.end(), p, p + size);
    }
  }
  // A pages frame of `batch` as a page stream carries it.
  void FrameOf(const PageBatch& batch, uint32_t index = 0) {
    kj::Array<capnp::word> words = capnp::messageToFlatArray(*batch.message);
    Frame(kPageFramePages, index, words.asBytes().size(), words.asBytes().begin());
    bytes_.insert(bytes_.end(), batch.following.begin(), batch.following.end());
  }
  VoidResult Receive() {
    size_t at = 0;
    return ReceivePages(
        [&](void* data, size_t size) -> VoidResult {
          if (bytes_.size() - at < size) return MakeError(Status::kPeerGone, "the bytes ended");
          std::memcpy(data, bytes_.data() + at, size);
          at += size;
          return Ok();
        },
        staged_, nullptr);
  }
  std::vector<uint8_t> bytes_;
  StagedMemories staged_{kBudget};
};

// How many runs of each kind `batch` has.
std::map<proto::image::Compression, int> RunKinds(const PageBatch& batch) {
  std::map<proto::image::Compression, int> kinds;
  auto memory = batch.message->getRoot<proto::image::Memory>().asReader();
  for (auto run : memory.getRuns()) ++kinds[run.getCompression()];
  return kinds;
}

TEST_F(ReceivePagesTest, AnEndAfterGoodBatchesIsOk) {
  const std::vector<uint8_t> memory = MemoryBytes(1, 5);
  for (const PageBatch& batch : Batches(memory, 8)) FrameOf(batch);
  Frame(kPageFrameEnd, 0, 0);
  VoidResult received = Receive();
  ASSERT_TRUE(received.ok()) << received.error().message;
  auto memories = staged_.Take();
  ASSERT_EQ(memories.size(), 1u);
  EXPECT_EQ(std::memcmp(memories[0]->data(), memory.data(), memory.size()), 0);
}

TEST_F(ReceivePagesTest, ZeroZstdAndFollowingRunsAllLandInPlace) {
  const std::vector<uint8_t> memory = MemoryBytes(2, 9);
  std::map<proto::image::Compression, int> kinds;
  for (const PageBatch& batch : Batches(memory, 32)) {
    for (auto [kind, count] : RunKinds(batch)) kinds[kind] += count;
    uint64_t following = 0;
    for (auto run : batch.message->getRoot<proto::image::Memory>().getRuns()) {
      if (run.getCompression() == proto::image::Compression::FOLLOWING) {
        following += uint64_t(run.getPageCount()) * 4096;
      }
    }
    EXPECT_EQ(batch.following.size(), following);
    FrameOf(batch);
  }
  Frame(kPageFrameEnd, 0, 0);
  EXPECT_GT(kinds[proto::image::Compression::ZERO], 0);
  EXPECT_GT(kinds[proto::image::Compression::ZSTD], 0);
  EXPECT_GT(kinds[proto::image::Compression::FOLLOWING], 0);
  EXPECT_EQ(kinds[proto::image::Compression::NONE], 0);  // Raw pages never ride in the message.
  VoidResult received = Receive();
  ASSERT_TRUE(received.ok()) << received.error().message;
  auto memories = staged_.Take();
  ASSERT_EQ(memories.size(), 1u);
  ASSERT_EQ(memories[0]->size_bytes(), memory.size());
  EXPECT_EQ(std::memcmp(memories[0]->data(), memory.data(), memory.size()), 0);
}

TEST_F(ReceivePagesTest, FollowingBytesThatStopShortAreTheReadersError) {
  const std::vector<uint8_t> memory = MemoryBytes(1, 3);
  const std::vector<PageBatch> batches = Batches(memory, 16);
  const PageBatch* with_following = nullptr;
  for (const PageBatch& batch : batches) {
    if (!batch.following.empty()) with_following = &batch;
  }
  ASSERT_NE(with_following, nullptr);
  FrameOf(*with_following);
  bytes_.resize(bytes_.size() - 1);  // The last following byte never comes.
  VoidResult received = Receive();
  ASSERT_FALSE(received.ok());
  EXPECT_EQ(received.error().status, Status::kPeerGone) << received.error().message;
}

TEST_F(ReceivePagesTest, FramesThatAreNotPagesAreRefusedByName) {
  struct Case {
    const char* name;
    uint32_t kind;
    uint64_t size;
    const char* expected;
  };
  const Case cases[] = {
      {"unknown kind", 9, 0, "unknown kind 9"},
      {"an end with bytes", kPageFrameEnd, 8, "ended with a frame that carries bytes"},
      {"empty pages", kPageFramePages, 0, "frame of 0 bytes"},
      {"not whole words", kPageFramePages, 12, "frame of 12 bytes"},
      {"too large", kPageFramePages, kMaxPageFrameBytes + 8, "at most"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    bytes_.clear();
    Frame(c.kind, 0, c.size);
    bytes_.resize(bytes_.size() + 64);  // Whatever follows is never read as a frame.
    VoidResult received = Receive();
    ASSERT_FALSE(received.ok());
    EXPECT_EQ(received.error().status, Status::kMalformed) << received.error().message;
    EXPECT_NE(received.error().message.find(c.expected), std::string::npos)
        << received.error().message;
  }
}

TEST_F(ReceivePagesTest, AMessageThatIsNotAMemoryBatchIsMalformed) {
  std::vector<uint8_t> garbage(64, 0xff);
  Frame(kPageFramePages, 0, garbage.size(), garbage.data());
  VoidResult received = Receive();
  ASSERT_FALSE(received.ok());
  EXPECT_EQ(received.error().status, Status::kMalformed) << received.error().message;
  EXPECT_NE(received.error().message.find("not a memory batch"), std::string::npos)
      << received.error().message;
}

TEST_F(ReceivePagesTest, BytesThatStopMidFrameAreTheReadersError) {
  Frame(kPageFramePages, 0, 64);  // No payload follows.
  VoidResult received = Receive();
  ASSERT_FALSE(received.ok());
  EXPECT_EQ(received.error().status, Status::kPeerGone);
}

}  // namespace
}  // namespace shoal::migrate
