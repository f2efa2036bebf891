// The console log itself: what a checkpoint takes (Retained) and a restore
// continues (Resume), the rules a tail from an image must keep, and the
// blocking read of threads outside the scheduler. What readers and writers
// see through Console objects is in kernel/remote/console_ops_test.cc.
#include "kernel/object/console_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "kernel/object/console.h"

namespace shoal::kernel {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}
std::string Text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

TEST(ConsoleLogTest, RetainedTailKeepsTheStreamOfEveryKeptByte) {
  std::shared_ptr<ConsoleLog> log = ConsoleLog::Create(8).value();
  ASSERT_TRUE(log->Append(ConsoleStream::kStdout, Bytes("abcd")).ok());
  ASSERT_TRUE(log->Append(ConsoleStream::kStderr, Bytes("EFG")).ok());
  ASSERT_TRUE(log->Append(ConsoleStream::kStdout, Bytes("hij")).ok());
  ConsoleTail tail = log->Retained();
  // "abcdEFGhij" keeps its last 8 bytes: the first run now starts at 2.
  EXPECT_EQ(tail.start, 2u);
  EXPECT_EQ(Text(tail.bytes), "cdEFGhij");
  EXPECT_EQ(tail.runs, (std::vector<ConsoleRun>{{2, ConsoleStream::kStdout},
                                                {4, ConsoleStream::kStderr},
                                                {7, ConsoleStream::kStdout}}));
  ASSERT_TRUE(log->Append(ConsoleStream::kStdout, Bytes("klmno")).ok());
  // The stderr run is gone with its bytes.
  tail = log->Retained();
  EXPECT_EQ(tail.start, 7u);
  EXPECT_EQ(tail.runs, (std::vector<ConsoleRun>{{7, ConsoleStream::kStdout}}));
}

TEST(ConsoleLogTest, AResumedLogContinuesAtTheSameOffsetsAndStreams) {
  ConsoleTail tail{
      100, {'o', 'k', '!', '!'}, {{100, ConsoleStream::kStdout}, {102, ConsoleStream::kStderr}}};
  std::shared_ptr<ConsoleLog> log = ConsoleLog::Resume(tail).value();
  EXPECT_EQ(*log->Append(ConsoleStream::kStdout, Bytes("more")), 108u);
  Result<ConsoleChunk> first = log->Read(0, 100);  // Dropped bytes: from the oldest kept.
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->offset, 100u);
  EXPECT_EQ(first->dropped, 100u);
  EXPECT_EQ(Text(first->bytes), "ok");
  Result<ConsoleChunk> second = log->Read(102, 100);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->stream, ConsoleStream::kStderr);
  EXPECT_EQ(Text(second->bytes), "!!");
  EXPECT_EQ(log->Retained().runs.size(), 3u);
  // A tail longer than the retention keeps its end.
  std::shared_ptr<ConsoleLog> small = ConsoleLog::Resume(tail, 3).value();
  EXPECT_EQ(small->Retained().start, 101u);
  EXPECT_EQ(small->Retained().runs.front(), (ConsoleRun{101, ConsoleStream::kStdout}));
}

TEST(ConsoleLogTest, TailsThatBreakTheRulesAreRefused) {
  auto refused = [](ConsoleTail tail) {
    Result<std::shared_ptr<ConsoleLog>> log = ConsoleLog::Resume(tail);
    return !log.ok() && log.error().status == Status::kInvalidArgs;
  };
  const std::vector<uint8_t> bytes = {'a', 'b', 'c'};
  EXPECT_TRUE(refused({0, bytes, {}}));                             // Bytes, no run.
  EXPECT_TRUE(refused({0, {}, {{0, ConsoleStream::kStdout}}}));     // A run, no bytes.
  EXPECT_TRUE(refused({0, bytes, {{1, ConsoleStream::kStdout}}}));  // Not at start.
  EXPECT_TRUE(refused({0, bytes, {{0, ConsoleStream(7)}}}));        // No such stream.
  EXPECT_TRUE(refused({0, bytes, {{0, ConsoleStream::kStdout}, {3, ConsoleStream::kStderr}}}));
  EXPECT_TRUE(refused({0, bytes, {{0, ConsoleStream::kStdout}, {1, ConsoleStream::kStdout}}}));
  EXPECT_TRUE(refused({0, bytes, {{0, ConsoleStream::kStdout}, {0, ConsoleStream::kStderr}}}));
  EXPECT_TRUE(refused({UINT64_MAX - 1, bytes, {{UINT64_MAX - 1, ConsoleStream::kStdout}}}));
  EXPECT_TRUE(ConsoleLog::Resume({0, {}, {}}).ok());
  EXPECT_FALSE(ConsoleLog::Create(0).ok());
}

TEST(ConsoleLogTest, ReadUntilWaitsForAWriteOrTheEnd) {
  std::shared_ptr<ConsoleLog> log = ConsoleLog::Create().value();
  Ref<Console> out = Console::Create(log, ConsoleStream::kStdout).value();
  // Nothing comes: kShouldWait once the deadline passed.
  EXPECT_EQ(log->ReadUntil(0, 10, steady_clock::now() + milliseconds(20)).error().status,
            Status::kShouldWait);
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(20));
    ASSERT_TRUE(out->Write(Bytes("late")).ok());
    std::this_thread::sleep_for(milliseconds(20));
    ASSERT_TRUE(out->Close().ok());
  });
  // Bounded against a hang, not a timing assertion.
  Result<ConsoleChunk> chunk =
      log->ReadUntil(0, 10, steady_clock::now() + std::chrono::seconds(30));
  ASSERT_TRUE(chunk.ok()) << chunk.error().message;
  EXPECT_EQ(Text(chunk->bytes), "late");
  EXPECT_EQ(log->ReadUntil(4, 10, steady_clock::now() + std::chrono::seconds(30)).error().status,
            Status::kPeerClosed);
  writer.join();
}

TEST(ConsoleLogTest, ADroppedWriterEndsTheLogAsACloseWould) {
  std::shared_ptr<ConsoleLog> log = ConsoleLog::Create().value();
  {
    Ref<Console> out = Console::Create(log, ConsoleStream::kStdout).value();
    ASSERT_TRUE(out->Write(Bytes("x")).ok());
  }
  EXPECT_EQ(log->Read(1, 10).error().status, Status::kPeerClosed);
  EXPECT_EQ(log->Append(ConsoleStream::kStdout, Bytes("y")).error().status, Status::kPeerClosed);
  // A writer joining an ended log sees it ended.
  Ref<Console> late = Console::Create(log, ConsoleStream::kStderr).value();
  EXPECT_TRUE(Any(late->signals(), Signals::kPeerClosed));
}

}  // namespace
}  // namespace shoal::kernel
