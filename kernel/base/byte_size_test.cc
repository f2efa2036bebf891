#include "kernel/base/byte_size.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

TEST(ByteSizeTest, ParsesBytesAndBinaryUnitsInAnyCase) {
  EXPECT_EQ(ParseByteSize("65536").value(), 65536u);
  EXPECT_EQ(ParseByteSize("64K").value(), 64u << 10);
  EXPECT_EQ(ParseByteSize("256m").value(), 256u << 20);
  EXPECT_EQ(ParseByteSize("4G").value(), uint64_t(4) << 30);
  EXPECT_EQ(ParseByteSize("2GiB").value(), uint64_t(2) << 30);
  EXPECT_EQ(ParseByteSize("3mb").value(), 3u << 20);
  EXPECT_EQ(ParseByteSize("0").value(), 0u);
  EXPECT_EQ(ParseByteSize("12B").value(), 12u);
}

TEST(ByteSizeTest, RefusesWhatIsNoSizeSayingWhatWasExpected) {
  for (const char* text : {"", "G", "-1", "+5", "1.5G", "10T", "1 G", "0x10", "5Gx",
                           "99999999999999999999", "17179869184G"}) {
    Result<uint64_t> size = ParseByteSize(text);
    ASSERT_FALSE(size.ok()) << text;
    EXPECT_EQ(size.error().status, Status::kInvalidArgs);
    EXPECT_NE(size.error().message.find("64K, 256M, 2G"), std::string::npos) << text;
  }
}

TEST(ByteSizeTest, FormatsWithTheLargestExactUnit) {
  EXPECT_EQ(FormatByteSize(uint64_t(4) << 30), "4 GiB");
  EXPECT_EQ(FormatByteSize(1536u << 10), "1536 KiB");
  EXPECT_EQ(FormatByteSize(64u << 10), "64 KiB");
  EXPECT_EQ(FormatByteSize(100), "100 bytes");
  EXPECT_EQ(FormatByteSize(1), "1 byte");
  EXPECT_EQ(FormatByteSize(0), "0 bytes");
}

TEST(ByteSizeTest, FormatsRoundedToATenthOfTheLargestUnitBelow) {
  EXPECT_EQ(FormatByteSizeRounded(1177787), "1.1 MiB");
  EXPECT_EQ(FormatByteSizeRounded(135168), "132.0 KiB");
  EXPECT_EQ(FormatByteSizeRounded(uint64_t(3) << 30), "3.0 GiB");
  EXPECT_EQ(FormatByteSizeRounded(1023), "1023 bytes");
  EXPECT_EQ(FormatByteSizeRounded(1), "1 byte");
}

}  // namespace
}  // namespace shoal
