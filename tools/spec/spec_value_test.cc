#include "tools/spec/spec_value.h"

#include <gtest/gtest.h>

namespace shoal::spec {
namespace {

using vm::ValType;
using vm::Value;

TEST(ParseBitsTest, AcceptsUnsignedDecimalWithinWidth) {
  EXPECT_EQ(*ParseBits("4294967295", 32), 0xffffffffu);
  EXPECT_EQ(*ParseBits("18446744073709551615", 64), ~uint64_t{0});
  EXPECT_EQ(*ParseBits("0", 8), 0u);
}

TEST(ParseBitsTest, RejectsOverflowSignsAndJunk) {
  EXPECT_FALSE(ParseBits("4294967296", 32).ok());
  EXPECT_FALSE(ParseBits("256", 8).ok());
  EXPECT_FALSE(ParseBits("-1", 32).ok());
  EXPECT_FALSE(ParseBits("12x", 32).ok());
  EXPECT_FALSE(ParseBits("", 32).ok());
  EXPECT_FALSE(ParseBits("18446744073709551616", 64).ok());
}

TEST(NanPatternTest, CanonicalF32AcceptsOnlyTheCanonicalPayloadOfEitherSign) {
  EXPECT_TRUE(MatchesNan(NanPattern::kCanonical, 0x7fc00000, 32));
  EXPECT_TRUE(MatchesNan(NanPattern::kCanonical, 0xffc00000, 32));
  EXPECT_FALSE(MatchesNan(NanPattern::kCanonical, 0x7fc00001, 32));
  EXPECT_FALSE(MatchesNan(NanPattern::kCanonical, 0x7fa00000, 32));  // Signalling.
  EXPECT_FALSE(MatchesNan(NanPattern::kCanonical, 0x7f800000, 32));  // Infinity.
}

TEST(NanPatternTest, ArithmeticF32NeedsTheQuietBit) {
  EXPECT_TRUE(MatchesNan(NanPattern::kArithmetic, 0x7fc00000, 32));
  EXPECT_TRUE(MatchesNan(NanPattern::kArithmetic, 0xffc00123, 32));
  EXPECT_FALSE(MatchesNan(NanPattern::kArithmetic, 0x7f800001, 32));
  EXPECT_FALSE(MatchesNan(NanPattern::kArithmetic, 0x3fc00000, 32));
}

TEST(NanPatternTest, F64PatternsUseTheF64Layout) {
  EXPECT_TRUE(MatchesNan(NanPattern::kCanonical, 0x7ff8000000000000, 64));
  EXPECT_TRUE(MatchesNan(NanPattern::kCanonical, 0xfff8000000000000, 64));
  EXPECT_FALSE(MatchesNan(NanPattern::kCanonical, 0x7ff8000000000001, 64));
  EXPECT_TRUE(MatchesNan(NanPattern::kArithmetic, 0x7ffc000000000000, 64));
  EXPECT_FALSE(MatchesNan(NanPattern::kArithmetic, 0x7ff4000000000000, 64));
  EXPECT_FALSE(MatchesNan(NanPattern::kArithmetic, 0x7fc00000, 64));  // An f32 NaN.
}

TEST(ExpectedTest, ScalarMatchesExactBitsOnly) {
  ExpectedValue e = *MakeExpected(ValType::kF32, LaneType::kI32, {"2143289344"});
  EXPECT_TRUE(Matches(e, Value::F32Bits(0x7fc00000)));
  EXPECT_FALSE(Matches(e, Value::F32Bits(0xffc00000)));  // Exact: sign counts.
  EXPECT_FALSE(Matches(e, Value::I32(0x7fc00000)));      // Type counts.
}

TEST(ExpectedTest, NanPatternOnScalarResult) {
  ExpectedValue e = *MakeExpected(ValType::kF64, LaneType::kI32, {"nan:arithmetic"});
  EXPECT_TRUE(Matches(e, Value::F64Bits(0xfff8000000000001)));
  EXPECT_FALSE(Matches(e, Value::F64Bits(0x4000000000000000)));
}

TEST(ExpectedTest, NanPatternRejectedForIntegers) {
  EXPECT_FALSE(MakeExpected(ValType::kI32, LaneType::kI32, {"nan:canonical"}).ok());
}

TEST(ExpectedTest, I32ResultWithHighGarbageDoesNotMatch) {
  ExpectedValue e = *MakeExpected(ValType::kI32, LaneType::kI32, {"1"});
  EXPECT_TRUE(Matches(e, Value::I32(1)));
  EXPECT_FALSE(Matches(e, Value{ValType::kI32, 0x100000001, 0}));
}

TEST(V128Test, PacksLanesLittleEndian) {
  Value v = PackV128(LaneType::kI32, {1, 2, 3, 4});
  EXPECT_EQ(v.lo, 0x0000000200000001u);
  EXPECT_EQ(v.hi, 0x0000000400000003u);
  Value b = PackV128(LaneType::kI8, {0xff, 0, 0, 0, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0x80});
  EXPECT_EQ(b.lo, 0xffu);
  EXPECT_EQ(b.hi, 0x8000000000000011u);
  EXPECT_EQ(V128Lane(b, LaneType::kI8, 15), 0x80u);
  EXPECT_EQ(V128Lane(v, LaneType::kI16, 2), 2u);
}

TEST(V128Test, ArgumentNeedsEveryLane) {
  EXPECT_FALSE(MakeArgument(ValType::kV128, LaneType::kI16, {"1", "2"}).ok());
  auto v = MakeArgument(ValType::kV128, LaneType::kI64, {"1", "18446744073709551615"});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->lo, 1u);
  EXPECT_EQ(v->hi, ~uint64_t{0});
}

TEST(V128Test, NanPatternsArePerLane) {
  ExpectedValue e = *MakeExpected(ValType::kV128, LaneType::kF32,
                                  {"nan:canonical", "1065353216", "nan:arithmetic", "0"});
  // Lanes: canonical NaN, 1.0f, an arithmetic NaN, +0.
  Value good = PackV128(LaneType::kF32, {0xffc00000, 0x3f800000, 0x7fc00042, 0});
  EXPECT_TRUE(Matches(e, good));
  Value bad_nan = PackV128(LaneType::kF32, {0x7fc00001, 0x3f800000, 0x7fc00042, 0});
  EXPECT_FALSE(Matches(e, bad_nan));
  Value bad_lane = PackV128(LaneType::kF32, {0x7fc00000, 0x3f800000, 0x7fc00042, 1});
  EXPECT_FALSE(Matches(e, bad_lane));
}

TEST(V128Test, NanPatternNotAllowedInArguments) {
  EXPECT_FALSE(MakeArgument(ValType::kV128, LaneType::kF64, {"nan:canonical", "0"}).ok());
}

TEST(RefTest, NullAndHostValues) {
  ExpectedValue null_ref = *MakeExpected(ValType::kExternRef, LaneType::kI32, {"null"});
  EXPECT_TRUE(Matches(null_ref, Value::Null(ValType::kExternRef)));
  EXPECT_FALSE(Matches(null_ref, Value::Extern(0)));
  EXPECT_FALSE(Matches(null_ref, Value::Null(ValType::kFuncRef)));

  ExpectedValue one = *MakeExpected(ValType::kExternRef, LaneType::kI32, {"1"});
  EXPECT_TRUE(Matches(one, Value::Extern(1)));
  EXPECT_FALSE(Matches(one, Value::Extern(2)));

  Value arg = *MakeArgument(ValType::kExternRef, LaneType::kI32, {"1"});
  EXPECT_EQ(arg, Value::Extern(1));
}

TEST(RefTest, MissingValueMeansAnyNonNullReference) {
  ExpectedValue any = *MakeExpected(ValType::kFuncRef, LaneType::kI32, {});
  EXPECT_TRUE(Matches(any, Value::Func(7)));
  EXPECT_FALSE(Matches(any, Value::Null(ValType::kFuncRef)));
  EXPECT_FALSE(MakeArgument(ValType::kFuncRef, LaneType::kI32, {}).ok());
}

TEST(FormatTest, ShowsTypeAndPattern) {
  EXPECT_EQ(FormatValue(Value::I32(42)), "i32:42 (0x2a)");
  EXPECT_EQ(FormatValue(Value::Null(ValType::kExternRef)), "externref:null");
  EXPECT_EQ(FormatExpected(*MakeExpected(ValType::kF32, LaneType::kI32, {"nan:canonical"})),
            "f32:nan:canonical");
  EXPECT_EQ(FormatExpected(*MakeExpected(ValType::kV128, LaneType::kI32, {"1", "2", "3", "4"})),
            "v128:i32x4[1 2 3 4]");
}

}  // namespace
}  // namespace shoal::spec
