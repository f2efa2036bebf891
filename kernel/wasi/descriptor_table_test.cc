#include "kernel/wasi/descriptor_table.h"

#include <gtest/gtest.h>

#include "kernel/wasi/stdio_stream.h"

namespace shoal::wasi {
namespace {

Descriptor Stream(Rights rights) {
  return Descriptor{StdioStream::ForOutput(std::make_shared<StringSink>()), rights, 0, ""};
}

TEST(DescriptorTable, InsertTakesTheLowestFreeNumber) {
  DescriptorTable t;
  EXPECT_EQ(t.Insert(Stream(0)).value(), 0u);
  EXPECT_EQ(t.Insert(Stream(0)).value(), 1u);
  EXPECT_EQ(t.Insert(Stream(0)).value(), 2u);
  EXPECT_EQ(t.Close(1), Errno::kSuccess);
  EXPECT_EQ(t.Insert(Stream(0)).value(), 1u);
}

TEST(DescriptorTable, BadDescriptorWinsOverMissingRights) {
  DescriptorTable t;
  t.InsertAt(3, Stream(kRightFdRead));
  EXPECT_EQ(t.Get(4, kRightFdWrite).error(), Errno::kBadf);
  EXPECT_EQ(t.Get(3, kRightFdWrite).error(), Errno::kNotcapable);
  EXPECT_TRUE(t.Get(3, kRightFdRead).ok());
}

TEST(DescriptorTable, RenumberMovesAndClosesTheTarget) {
  DescriptorTable t;
  t.InsertAt(3, Stream(kRightFdRead));
  t.InsertAt(4, Stream(kRightFdWrite));
  EXPECT_EQ(t.Renumber(3, 4), Errno::kSuccess);
  EXPECT_EQ(t.Get(3).error(), Errno::kBadf);
  EXPECT_TRUE(t.Get(4, kRightFdRead).ok());
  EXPECT_EQ(t.Renumber(3, 4), Errno::kBadf);
  EXPECT_EQ(t.Renumber(4, 9), Errno::kBadf);
  EXPECT_EQ(t.size(), 1u);
}

TEST(DescriptorTable, ClosingTwiceIsBadf) {
  DescriptorTable t;
  t.InsertAt(0, Stream(0));
  EXPECT_EQ(t.Close(0), Errno::kSuccess);
  EXPECT_EQ(t.Close(0), Errno::kBadf);
}

}  // namespace
}  // namespace shoal::wasi
