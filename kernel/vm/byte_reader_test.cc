#include "kernel/vm/byte_reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::vm {
namespace {

TEST(ByteReaderTest, ReadsMaximalU32) {
  std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff, 0x0f};
  ByteReader r(b);
  uint32_t v;
  ASSERT_TRUE(r.ReadU32(&v));
  EXPECT_EQ(v, 0xffffffffu);
}

TEST(ByteReaderTest, RejectsU32WithHighBitsSet) {
  std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff, 0x1f};
  ByteReader r(b);
  uint32_t v;
  EXPECT_FALSE(r.ReadU32(&v));
  EXPECT_EQ(r.error(), "integer too large");
}

TEST(ByteReaderTest, RejectsOverlongU32) {
  std::vector<uint8_t> b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  ByteReader r(b);
  uint32_t v;
  EXPECT_FALSE(r.ReadU32(&v));
  EXPECT_EQ(r.error(), "integer representation too long");
}

TEST(ByteReaderTest, ReadsNegativeS32AndChecksSignBits) {
  std::vector<uint8_t> ok = {0x80, 0x80, 0x80, 0x80, 0x78};  // INT32_MIN
  ByteReader r(ok);
  int32_t v;
  ASSERT_TRUE(r.ReadS32(&v));
  EXPECT_EQ(v, INT32_MIN);
  std::vector<uint8_t> bad = {0x80, 0x80, 0x80, 0x80, 0x70};
  ByteReader r2(bad);
  EXPECT_FALSE(r2.ReadS32(&v));
}

TEST(ByteReaderTest, ReadsS64MinusOne) {
  std::vector<uint8_t> b = {0x7f};
  ByteReader r(b);
  int64_t v;
  ASSERT_TRUE(r.ReadS64(&v));
  EXPECT_EQ(v, -1);
}

TEST(ByteReaderTest, ErrorsAreStickyAndCarryTheOffset) {
  std::vector<uint8_t> b = {0x01};
  ByteReader r(b, 100);
  uint8_t x;
  ASSERT_TRUE(r.ReadU8(&x));
  EXPECT_FALSE(r.ReadU8(&x));
  EXPECT_EQ(r.error_offset(), 101u);
  EXPECT_FALSE(r.ok());
}

TEST(Utf8Test, RejectsSurrogatesAndOverlongs) {
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // U+D800
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));      // Overlong NUL.
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // Above U+10FFFF.
}

}  // namespace
}  // namespace shoal::vm
