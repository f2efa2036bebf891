#include "clusterd/daemon/console_buffer.h"

#include <gtest/gtest.h>

namespace shoal::clusterd {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Deadline Now() { return std::chrono::steady_clock::now(); }

TEST(ConsoleBufferTest, ReadsInWriteOrderWithStreamsAndOffsets) {
  ConsoleBuffer buffer(1024);
  buffer.Append(ConsoleStream::kStdout, Bytes("out1 "));
  buffer.Append(ConsoleStream::kStderr, Bytes("err "));
  ConsoleRead read = buffer.Read(0, 1024, Now());
  ASSERT_EQ(read.chunks.size(), 2u);
  EXPECT_EQ(read.chunks[0].data, "out1 ");
  EXPECT_EQ(read.chunks[1].stream, ConsoleStream::kStderr);
  EXPECT_EQ(read.chunks[1].offset, 5u);
  EXPECT_EQ(read.next_offset, 9u);
  EXPECT_FALSE(read.ended);
  // From the middle of a write.
  ConsoleRead tail = buffer.Read(7, 1024, Now());
  ASSERT_EQ(tail.chunks.size(), 1u);
  EXPECT_EQ(tail.chunks[0].data, "r ");
}

TEST(ConsoleBufferTest, OldOutputIsDroppedBeyondTheBoundAndReadingSkipsAhead) {
  ConsoleBuffer buffer(10);
  for (int i = 0; i < 5; ++i) buffer.Append(ConsoleStream::kStdout, Bytes("abcd"));
  ConsoleRead read = buffer.Read(0, 1024, Now());
  ASSERT_FALSE(read.chunks.empty());
  EXPECT_GT(read.chunks[0].offset, 0u);  // The oldest bytes are gone.
  EXPECT_EQ(read.next_offset, 20u);
}

TEST(ConsoleBufferTest, AfterCloseAReadAtTheEndReportsEnded) {
  ConsoleBuffer buffer(1024);
  buffer.Append(ConsoleStream::kStdout, Bytes("x"));
  buffer.Close();
  ConsoleRead read = buffer.Read(0, 1024, Now() + std::chrono::seconds(10));
  EXPECT_TRUE(read.ended);
  EXPECT_EQ(read.chunks.size(), 1u);
  // A follower at the end does not wait once the buffer is closed.
  EXPECT_TRUE(buffer.Read(1, 1024, Now() + std::chrono::seconds(10)).ended);
}

}  // namespace
}  // namespace shoal::clusterd
