// Console behaviour, run against local consoles and against proxies of them
// over every transport (ops_test_support.h).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kernel/object/console.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/ops_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using kernel::testing::WaitUntil;
using namespace testing;  // ops_test_support.h

class ConsoleTest : public OpsTest {};

TEST_P(ConsoleTest, ReadersReadFromAnyOffset) {
  auto console = objects_.CreateConsole();
  EXPECT_EQ(*console->Write(Bytes("hello ")), 6u);
  EXPECT_EQ(*console->Write(Bytes("world")), 11u);
  auto all = console->Read(0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->offset, 0u);
  EXPECT_EQ(all->bytes, Bytes("hello world"));
  auto tail = console->Read(6, 3);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->offset, 6u);
  EXPECT_EQ(tail->bytes, Bytes("wor"));
}

TEST_P(ConsoleTest, EndOfAnOpenConsoleShouldWait) {
  auto console = objects_.CreateConsole();
  EXPECT_EQ(console->Read(0, 10).error().status, Status::kShouldWait);
  ASSERT_TRUE(console->Write(Bytes("ab")).ok());
  EXPECT_EQ(console->Read(2, 10).error().status, Status::kShouldWait);
  EXPECT_EQ(console->Read(3, 10).error().status, Status::kOutOfBounds);
}

TEST_P(ConsoleTest, RetentionKeepsTheNewestBytesAndCountsDropped) {
  auto console = objects_.CreateConsole(8);
  ASSERT_TRUE(console->Write(Bytes("0123456")).ok());
  ASSERT_TRUE(console->Write(Bytes("789ab")).ok());
  auto chunk = console->Read(0, 100);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->offset, 4u);
  EXPECT_EQ(chunk->dropped, 4u);
  EXPECT_EQ(chunk->bytes, Bytes("456789ab"));
  // A write bigger than the retention keeps its own tail.
  ASSERT_TRUE(console->Write(Bytes("ABCDEFGHIJ")).ok());
  chunk = console->Read(0, 100);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->offset, 14u);
  EXPECT_EQ(chunk->dropped, 14u);
  EXPECT_EQ(chunk->bytes, Bytes("CDEFGHIJ"));
}

TEST_P(ConsoleTest, ClosedConsoleDrainsThenReportsPeerClosed) {
  auto console = objects_.CreateConsole();
  ASSERT_TRUE(console->Write(Bytes("bye")).ok());
  ASSERT_TRUE(console->Close().ok());
  ASSERT_TRUE(console->Close().ok());
  EXPECT_TRUE(Any(WaitForSignals(*console, Signals::kPeerClosed), Signals::kPeerClosed));
  EXPECT_EQ(console->Write(Bytes("late")).error().status, Status::kPeerClosed);
  EXPECT_EQ(console->Read(0, 10)->bytes, Bytes("bye"));
  EXPECT_EQ(console->Read(3, 10).error().status, Status::kPeerClosed);
}

TEST_P(ConsoleTest, ReadableIsAnEdgeThatWakesFollowers) {
  auto console = objects_.CreateConsole();
  ASSERT_TRUE(console->Write(Bytes("old")).ok());
  EXPECT_FALSE(Any(console->signals(), Signals::kReadable));  // Never a level.
  std::atomic<Signals> seen = Signals::kNone;
  auto token = console->ObserveAsync(Signals::kReadable, [&](Signals s) { seen = s; });
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(seen, Signals::kNone);
  ASSERT_TRUE(console->Write(Bytes("new")).ok());
  EXPECT_TRUE(WaitUntil([&] { return Any(seen, Signals::kReadable); }));
  EXPECT_FALSE(Any(console->signals(), Signals::kReadable));
}

TEST_P(ConsoleTest, FollowerSeesEveryByteWhileAWriterRuns) {
  auto console = objects_.CreateConsole(1 << 16);
  constexpr int kLines = 200;
  std::thread writer([&] {
    for (int i = 0; i < kLines; ++i) ASSERT_TRUE(console->Write(Bytes("line\n")).ok());
    ASSERT_TRUE(console->Close().ok());
  });
  uint64_t offset = 0;
  std::string text;
  for (int rounds = 0; rounds < 100000; ++rounds) {
    auto chunk = console->Read(offset, 64);
    if (chunk.ok()) {
      text.append(chunk->bytes.begin(), chunk->bytes.end());
      offset = chunk->offset + chunk->bytes.size();
      continue;
    }
    if (chunk.error().status == Status::kPeerClosed) break;
    ASSERT_EQ(chunk.error().status, Status::kShouldWait);
    WaitForSignals(*console, Signals::kReadable | Signals::kPeerClosed,
                   std::chrono::milliseconds(20));
  }
  writer.join();
  EXPECT_EQ(text.size(), kLines * 5u);
}

// Two writers of one log, as a process's stdout and stderr: a reader of
// either sees both streams in write order, a chunk per stretch of one
// stream, at offsets that count both.
TEST_P(ConsoleTest, StreamsOfOneLogReadInWriteOrderTaggedByStream) {
  std::shared_ptr<ConsoleLog> log = ConsoleLog::Create().value();
  auto out = objects_.Share(Ref<ConsoleOps>(Console::Create(log, ConsoleStream::kStdout).value()));
  auto err = objects_.Share(Ref<ConsoleOps>(Console::Create(log, ConsoleStream::kStderr).value()));
  // A read is a call behind a proxy's posted writes: after it they landed.
  ASSERT_TRUE(out->Write(Bytes("one ")).ok());
  ASSERT_TRUE(out->Write(Bytes("two ")).ok());
  ASSERT_TRUE(out->Read(0, 1).ok());
  ASSERT_TRUE(err->Write(Bytes("oops ")).ok());
  ASSERT_TRUE(err->Read(0, 1).ok());
  ASSERT_TRUE(out->Write(Bytes("three")).ok());
  ASSERT_TRUE(out->Read(0, 1).ok());

  struct Piece {
    uint64_t offset;
    ConsoleStream stream;
    std::string text;
    bool operator==(const Piece&) const = default;
  };
  std::vector<Piece> read;
  uint64_t offset = 0;
  for (int i = 0; i < 10; ++i) {
    auto chunk = err->Read(offset, 100);
    if (!chunk.ok()) {
      EXPECT_EQ(chunk.error().status, Status::kShouldWait);
      break;
    }
    read.push_back({chunk->offset, chunk->stream, {chunk->bytes.begin(), chunk->bytes.end()}});
    offset = chunk->offset + chunk->bytes.size();
  }
  EXPECT_EQ(read, (std::vector<Piece>{{0, ConsoleStream::kStdout, "one two "},
                                      {8, ConsoleStream::kStderr, "oops "},
                                      {13, ConsoleStream::kStdout, "three"}}));
  // A read within a stretch stops at its end.
  EXPECT_EQ(out->Read(5, 100)->bytes, Bytes("wo "));
}

// The log ends when its last writer closed, not its first.
TEST_P(ConsoleTest, TheLogEndsWithItsLastWriter) {
  std::shared_ptr<ConsoleLog> log = ConsoleLog::Create().value();
  auto parent =
      objects_.Share(Ref<ConsoleOps>(Console::Create(log, ConsoleStream::kStdout).value()));
  auto child =
      objects_.Share(Ref<ConsoleOps>(Console::Create(log, ConsoleStream::kStdout).value()));
  ASSERT_TRUE(parent->Write(Bytes("p")).ok());
  ASSERT_TRUE(parent->Close().ok());
  ASSERT_TRUE(child->Write(Bytes("c")).ok());
  EXPECT_EQ(child->Read(2, 10).error().status, Status::kShouldWait);
  ASSERT_TRUE(child->Close().ok());
  EXPECT_TRUE(Any(WaitForSignals(*parent, Signals::kPeerClosed), Signals::kPeerClosed));
  EXPECT_EQ(parent->Read(0, 10)->bytes, Bytes("pc"));
  EXPECT_EQ(parent->Read(2, 10).error().status, Status::kPeerClosed);
  EXPECT_EQ(parent->Write(Bytes("late")).error().status, Status::kPeerClosed);
}

INSTANTIATE_TEST_SUITE_P(Local, ConsoleTest, ::testing::Values(Where()), WhereName());
INSTANTIATE_TEST_SUITE_P(Wire, ConsoleTest, testing::AllTransports(), WhereName());

}  // namespace
}  // namespace shoal::kernel::remote
