// Semantics of the SIMD functions in simd.h, family by family. The spec's
// simd_*.wast assertions are checked as well by tools/spec shoal-simd-check;
// these tests pin the edge cases by name.
#include "kernel/vm/simd.h"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace shoal::vm::simd {
namespace {

template <typename T, size_t N>
V128 Make(const std::array<T, N>& lanes) {
  static_assert(sizeof(T) * N == 16);
  return std::bit_cast<V128>(lanes);
}
template <typename T>
std::array<T, 16 / sizeof(T)> Lanes(V128 v) {
  return std::bit_cast<std::array<T, 16 / sizeof(T)>>(v);
}
V128 I8(std::array<int8_t, 16> l) { return Make(l); }
V128 I16(std::array<int16_t, 8> l) { return Make(l); }
V128 I32(std::array<int32_t, 4> l) { return Make(l); }
V128 I64(std::array<int64_t, 2> l) { return Make(l); }
V128 F32(std::array<float, 4> l) { return Make(l); }
V128 F64(std::array<double, 2> l) { return Make(l); }
uint32_t F32Bits(float f) { return std::bit_cast<uint32_t>(f); }

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr uint32_t kQuietBit32 = 0x00400000;

TEST(SimdTest, EveryTableEntryHasAFunction) {
  // Taking each function's address fails to link if one is missing.
  const void* fns[] = {
#define OP_FD(ident, text, code, imm, sig) reinterpret_cast<const void*>(&ident),
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
  };
  EXPECT_EQ(std::size(fns), 236u);
  for (const void* f : fns) EXPECT_NE(f, nullptr);
}

TEST(SimdTest, LaneZeroIsTheLowestByte) {
  const uint8_t bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  V128 v = FromBytes(bytes);
  EXPECT_EQ(v.lo, 0x0807060504030201u);
  EXPECT_EQ(v.hi, 0x100f0e0d0c0b0a09u);
  EXPECT_EQ(GetLane<uint32_t>(v, 1), 0x08070605u);
  EXPECT_EQ(i16x8_extract_lane_u(v, 7), 0x100fu);
  uint8_t out[16];
  ToBytes(v, out);
  EXPECT_EQ(out[15], 16);
}

TEST(SimdTest, IntegerAddSubMulWrap) {
  EXPECT_EQ(i8x16_add(I8({127, -1}), I8({1, 1})), I8({-128, 0}));
  EXPECT_EQ(i16x8_sub(I16({-32768}), I16({1})), I16({32767}));
  EXPECT_EQ(i16x8_mul(I16({-32768, 300}), I16({-1, 300})), I16({-32768, 24464}));
  EXPECT_EQ(i32x4_mul(I32({0x10000, 3}), I32({0x10000, -3})), I32({0, -9}));
  EXPECT_EQ(i64x2_mul(I64({INT64_MIN, 5}), I64({-1, 7})), I64({INT64_MIN, 35}));
  EXPECT_EQ(i32x4_neg(I32({INT32_MIN, 1, 0, -5})), I32({INT32_MIN, -1, 0, 5}));
}

TEST(SimdTest, SaturatingArithmeticClampsToLaneRange) {
  EXPECT_EQ(i8x16_add_sat_s(I8({127, -128, 100}), I8({1, -1, -50})), I8({127, -128, 50}));
  EXPECT_EQ(i8x16_add_sat_u(I8({-1, 1}), I8({1, 1})), I8({-1, 2}));  // 255 + 1 = 255.
  EXPECT_EQ(i8x16_sub_sat_u(I8({0, 5}), I8({1, 3})), I8({0, 2}));
  EXPECT_EQ(i16x8_sub_sat_s(I16({-32768, 32767}), I16({1, -1})), I16({-32768, 32767}));
  EXPECT_EQ(i16x8_add_sat_u(I16({-2}), I16({5})), I16({-1}));  // 65534 + 5 = 65535.
}

TEST(SimdTest, AbsOfMostNegativeIsItself) {
  EXPECT_EQ(i8x16_abs(I8({-128, -1, 5})), I8({-128, 1, 5}));
  EXPECT_EQ(i16x8_abs(I16({-32768, -7})), I16({-32768, 7}));
  EXPECT_EQ(i32x4_abs(I32({INT32_MIN, -3})), I32({INT32_MIN, 3}));
  EXPECT_EQ(i64x2_abs(I64({INT64_MIN, -9})), I64({INT64_MIN, 9}));
}

TEST(SimdTest, MinMaxAndAverageDistinguishSignedness) {
  EXPECT_EQ(i8x16_min_s(I8({-1}), I8({1})), I8({-1}));
  EXPECT_EQ(i8x16_min_u(I8({-1}), I8({1})), I8({1}));
  EXPECT_EQ(i32x4_max_u(I32({-1, 0}), I32({1, 0})), I32({-1, 0}));
  EXPECT_EQ(i16x8_max_s(I16({-1}), I16({1})), I16({1}));
  // (a + b + 1) / 2 without overflow.
  EXPECT_EQ(i8x16_avgr_u(I8({-1, 1, 0}), I8({-2, 2, 0})), I8({-1, 2, 0}));
  EXPECT_EQ(i16x8_avgr_u(I16({-1}), I16({-1})), I16({-1}));
}

TEST(SimdTest, PopcntCountsBitsPerByte) {
  EXPECT_EQ(i8x16_popcnt(I8({-1, 0, 0x55, 1})), I8({8, 0, 4, 1}));
}

TEST(SimdTest, ShiftCountIsTakenModuloLaneWidth) {
  EXPECT_EQ(i8x16_shl(I8({1, -1}), 9), I8({2, -2}));
  EXPECT_EQ(i8x16_shr_s(I8({-128}), 7), I8({-1}));
  EXPECT_EQ(i8x16_shr_u(I8({-128}), 7), I8({1}));
  EXPECT_EQ(i16x8_shr_s(I16({-32768}), 17), I16({-16384}));
  EXPECT_EQ(i32x4_shr_s(I32({-8}), 33), I32({-4}));
  EXPECT_EQ(i32x4_shl(I32({1}), 32), I32({1}));
  EXPECT_EQ(i64x2_shr_u(I64({-1}), 64), I64({-1}));
  EXPECT_EQ(i64x2_shl(I64({1}), 127), I64({INT64_MIN}));
}

TEST(SimdTest, ComparisonsProduceLaneMasks) {
  EXPECT_EQ(i8x16_lt_s(I8({-1, 1}), I8({1, 1})), I8({-1, 0}));
  EXPECT_EQ(i8x16_lt_u(I8({1, -1}), I8({-1, 1})), I8({-1, 0}));  // 1 < 255; 255 < 1.
  EXPECT_EQ(i16x8_ge_u(I16({-1, 0}), I16({1, 0})), I16({-1, -1, -1, -1, -1, -1, -1, -1}));
  EXPECT_EQ(i32x4_ne(I32({1, 2}), I32({1, 3})), I32({0, -1, 0, 0}));
  EXPECT_EQ(i64x2_gt_s(I64({-1, 2}), I64({-2, 2})), I64({-1, 0}));
  EXPECT_EQ(i64x2_le_s(I64({INT64_MIN, 2}), I64({0, 1})), I64({-1, 0}));
}

TEST(SimdTest, BooleanReductions) {
  EXPECT_EQ(v128_any_true(V128{0, 1ull << 63}), 1u);
  EXPECT_EQ(v128_any_true(V128{}), 0u);
  EXPECT_EQ(i8x16_all_true(I8({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})), 1u);
  EXPECT_EQ(i8x16_all_true(I8({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0})), 0u);
  EXPECT_EQ(i64x2_all_true(I64({1, 1ll << 40})), 1u);
  EXPECT_EQ(i8x16_bitmask(I8({-1, 0, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1})), 0x8005u);
  EXPECT_EQ(i32x4_bitmask(I32({-1, 1, INT32_MIN, 0})), 0x5u);
  EXPECT_EQ(i64x2_bitmask(I64({0, -1})), 0x2u);
}

TEST(SimdTest, BitwiseAndBitselect) {
  V128 a{0xff00ff00ff00ff00, 0x0123456789abcdef}, b{0x0f0f0f0f0f0f0f0f, 0xffffffff00000000};
  EXPECT_EQ(v128_and(a, b), (V128{0x0f000f000f000f00, 0x0123456700000000}));
  EXPECT_EQ(v128_andnot(a, b), (V128{0xf000f000f000f000, 0x0000000089abcdef}));
  EXPECT_EQ(v128_not(V128{}), (V128{~0ull, ~0ull}));
  EXPECT_EQ(v128_bitselect(V128{~0ull, 0}, V128{0, ~0ull}, V128{0xf0, 0xf0}),
            (V128{0xf0, ~0ull ^ 0xf0}));
}

TEST(SimdTest, NarrowSaturatesSignedInput) {
  EXPECT_EQ(i8x16_narrow_i16x8_s(I16({300, -300, 5, -5}), I16({127, -129})),
            I8({127, -128, 5, -5, 0, 0, 0, 0, 127, -128}));
  // _u clamps signed input to [0, 255].
  EXPECT_EQ(i8x16_narrow_i16x8_u(I16({300, -300, 255}), I16({})), I8({-1, 0, -1}));
  EXPECT_EQ(i16x8_narrow_i32x4_u(I32({70000, -1, 65535, 1}), I32({})), I16({-1, 0, -1, 1}));
  EXPECT_EQ(i16x8_narrow_i32x4_s(I32({70000, -70000}), I32({0, 0, 0, 1})),
            I16({32767, -32768, 0, 0, 0, 0, 0, 1}));
}

TEST(SimdTest, ExtendTakesLowOrHighHalf) {
  V128 v = I8({-1, 2, 0, 0, 0, 0, 0, 0, -128, 0, 0, 0, 0, 0, 0, 9});
  EXPECT_EQ(i16x8_extend_low_i8x16_s(v), I16({-1, 2}));
  EXPECT_EQ(i16x8_extend_low_i8x16_u(v), I16({255, 2}));
  EXPECT_EQ(i16x8_extend_high_i8x16_s(v), I16({-128, 0, 0, 0, 0, 0, 0, 9}));
  EXPECT_EQ(i64x2_extend_high_i32x4_u(I32({0, 0, -1, 1})), I64({0xffffffff, 1}));
  EXPECT_EQ(i32x4_extend_low_i16x8_s(I16({-2, 3})), I32({-2, 3}));
}

TEST(SimdTest, ExtmulWidensBeforeMultiplying) {
  EXPECT_EQ(i16x8_extmul_low_i8x16_s(I8({-128, 127}), I8({-128, 127})), I16({16384, 16129}));
  EXPECT_EQ(i16x8_extmul_low_i8x16_u(I8({-1}), I8({-1})), I16({-511}));  // 255 * 255 = 65025.
  EXPECT_EQ(i32x4_extmul_high_i16x8_s(I16({0, 0, 0, 0, -32768}), I16({0, 0, 0, 0, -32768})),
            I32({1 << 30}));
  EXPECT_EQ(i64x2_extmul_low_i32x4_u(I32({-1}), I32({-1})), I64({int64_t(0xfffffffe00000001)}));
  EXPECT_EQ(i64x2_extmul_high_i32x4_s(I32({0, 0, INT32_MIN, 2}), I32({0, 0, INT32_MIN, -3})),
            I64({int64_t(1) << 62, -6}));
}

TEST(SimdTest, PairwiseAddAndDotProduct) {
  EXPECT_EQ(i16x8_extadd_pairwise_i8x16_s(I8({-128, -128, 127, 127})), I16({-256, 254}));
  EXPECT_EQ(i16x8_extadd_pairwise_i8x16_u(I8({-1, -1})), I16({510}));
  EXPECT_EQ(i32x4_extadd_pairwise_i16x8_u(I16({-1, -1})), I32({131070}));
  EXPECT_EQ(i32x4_dot_i16x8_s(I16({1, 2, 3, 4}), I16({5, 6, -7, 8})), I32({17, 11}));
  // The one overflowing case wraps: 2 * 2^30 = 2^31.
  EXPECT_EQ(i32x4_dot_i16x8_s(I16({-32768, -32768}), I16({-32768, -32768})), I32({INT32_MIN}));
}

TEST(SimdTest, Q15MulRoundsAndSaturates) {
  EXPECT_EQ(i16x8_q15mulr_sat_s(I16({-32768, 16384, 1, -1}), I16({-32768, 16384, 16384, 16384})),
            I16({32767, 8192, 1, 0}));
}

TEST(SimdTest, FloatArithmeticPropagatesNan) {
  const float nan_payload = std::bit_cast<float>(0x7fa00001u);  // Signalling.
  V128 r = f32x4_add(F32({nan_payload, 1, kInf, 0}), F32({1, 2, -kInf, -0.0f}));
  std::array<float, 4> l = Lanes<float>(r);
  EXPECT_TRUE(std::isnan(l[0]));
  EXPECT_NE(F32Bits(l[0]) & kQuietBit32, 0u);  // Arithmetic NaN: quieted.
  EXPECT_EQ(l[1], 3.0f);
  EXPECT_TRUE(std::isnan(l[2]));  // inf - inf.
  EXPECT_EQ(F32Bits(l[3]), 0u);   // 0 + -0 = +0.
  EXPECT_EQ(Lanes<double>(f64x2_div(F64({1, -1}), F64({0, 0})))[1], -HUGE_VAL);
  EXPECT_EQ(Lanes<float>(f32x4_sqrt(F32({4, 2.25f})))[1], 1.5f);
}

TEST(SimdTest, MinMaxPreferNanAndNegativeZero) {
  std::array<float, 4> mn =
      Lanes<float>(f32x4_min(F32({-0.0f, NAN, 1, 2}), F32({0.0f, 1, NAN, 3})));
  EXPECT_EQ(F32Bits(mn[0]), 0x80000000u);
  EXPECT_TRUE(std::isnan(mn[1]));
  EXPECT_TRUE(std::isnan(mn[2]));
  EXPECT_EQ(mn[3], 2.0f);
  std::array<double, 2> mx = Lanes<double>(f64x2_max(F64({-0.0, NAN}), F64({0.0, 1})));
  EXPECT_EQ(std::bit_cast<uint64_t>(mx[0]), 0u);
  EXPECT_TRUE(std::isnan(mx[1]));
}

TEST(SimdTest, PseudoMinMaxReturnAnOperandUnchanged) {
  const uint32_t snan = 0x7f800001;
  const float s = std::bit_cast<float>(snan);
  // pmin(a, b) = b < a ? b : a: comparisons with NaN are false, so a wins.
  std::array<float, 4> r = Lanes<float>(f32x4_pmin(F32({s, 1, -0.0f, 3}), F32({1, s, 0.0f, 2})));
  EXPECT_EQ(F32Bits(r[0]), snan);  // Not quieted.
  EXPECT_EQ(r[1], 1.0f);
  EXPECT_EQ(F32Bits(r[2]), 0x80000000u);  // -0 and +0 compare equal: a.
  EXPECT_EQ(r[3], 2.0f);
  std::array<double, 2> m = Lanes<double>(f64x2_pmax(F64({0.0, 5}), F64({-0.0, NAN})));
  EXPECT_EQ(std::bit_cast<uint64_t>(m[0]), 0u);
  EXPECT_EQ(m[1], 5.0);
}

TEST(SimdTest, SignOperationsKeepNanPayloads) {
  const uint32_t snan = 0xffa00001;
  std::array<uint32_t, 4> a =
      Lanes<uint32_t>(f32x4_abs(Make(std::array<uint32_t, 4>{snan, 0x80000000, 0, 0})));
  EXPECT_EQ(a[0], 0x7fa00001u);
  EXPECT_EQ(a[1], 0u);
  std::array<uint64_t, 2> n = Lanes<uint64_t>(f64x2_neg(Make(std::array<uint64_t, 2>{0, 1})));
  EXPECT_EQ(n[0], 0x8000000000000000u);
  EXPECT_EQ(n[1], 0x8000000000000001u);
}

TEST(SimdTest, RoundingFollowsIeee) {
  EXPECT_EQ(f32x4_nearest(F32({2.5f, -0.5f, 3.5f, -1.5f})), F32({2, -0.0f, 4, -2}));
  EXPECT_EQ(F32Bits(Lanes<float>(f32x4_nearest(F32({-0.5f})))[0]), 0x80000000u);
  EXPECT_EQ(f32x4_ceil(F32({-0.5f, 1.1f})), F32({-0.0f, 2}));
  EXPECT_EQ(F32Bits(Lanes<float>(f32x4_ceil(F32({-0.5f})))[0]), 0x80000000u);
  EXPECT_EQ(f64x2_floor(F64({-0.5, 1.9})), F64({-1, 1}));
  EXPECT_EQ(f64x2_trunc(F64({-1.9, 1.9})), F64({-1, 1}));
  EXPECT_TRUE(std::isnan(Lanes<double>(f64x2_nearest(F64({NAN})))[0]));
}

TEST(SimdTest, FloatComparisonsTreatNanAsUnordered) {
  EXPECT_EQ(f32x4_eq(F32({NAN, 1, -0.0f, 2}), F32({NAN, 1, 0.0f, 3})), I32({0, -1, -1, 0}));
  EXPECT_EQ(f32x4_ne(F32({NAN, 1}), F32({NAN, 1})), I32({-1, 0, 0, 0}));
  EXPECT_EQ(f64x2_lt(F64({NAN, 1}), F64({1, 2})), I64({0, -1}));
  EXPECT_EQ(f64x2_ge(F64({2, NAN}), F64({2, NAN})), I64({-1, 0}));
}

TEST(SimdTest, TruncSatClampsAndMapsNanToZero) {
  EXPECT_EQ(i32x4_trunc_sat_f32x4_s(F32({NAN, 3e9f, -3e9f, -1.9f})),
            I32({0, INT32_MAX, INT32_MIN, -1}));
  EXPECT_EQ(i32x4_trunc_sat_f32x4_u(F32({-1, 5e9f, 4294967040.0f, -0.9f})),
            I32({0, -1, int32_t(4294967040u), 0}));
  EXPECT_EQ(i32x4_trunc_sat_f64x2_s_zero(F64({-2147483648.9, 2147483647.9})),
            I32({INT32_MIN, INT32_MAX, 0, 0}));
  EXPECT_EQ(i32x4_trunc_sat_f64x2_u_zero(F64({4294967295.5, -kInf})), I32({-1, 0, 0, 0}));
}

TEST(SimdTest, ConversionsRoundToNearest) {
  EXPECT_EQ(f32x4_convert_i32x4_u(I32({-1, 16777217})), F32({4294967296.0f, 16777216.0f}));
  EXPECT_EQ(f32x4_convert_i32x4_s(I32({-1, INT32_MIN})), F32({-1, -2147483648.0f}));
  EXPECT_EQ(f64x2_convert_low_i32x4_u(I32({-1, 2, 7, 7})), F64({4294967295.0, 2}));
  EXPECT_EQ(f64x2_convert_low_i32x4_s(I32({-1, 2, 7, 7})), F64({-1, 2}));
  EXPECT_EQ(f32x4_demote_f64x2_zero(F64({1e300, 0.1})), F32({kInf, 0.1f, 0, 0}));
  EXPECT_EQ(f64x2_promote_low_f32x4(F32({0.1f, -kInf, 9, 9})), F64({double(0.1f), -HUGE_VAL}));
  std::array<float, 4> d = Lanes<float>(f32x4_demote_f64x2_zero(F64({NAN, 1})));
  EXPECT_TRUE(std::isnan(d[0]));
  EXPECT_NE(F32Bits(d[0]) & kQuietBit32, 0u);
}

TEST(SimdTest, SplatExtractReplace) {
  EXPECT_EQ(i8x16_splat(0x1ff),
            I8({-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}));
  EXPECT_EQ(i16x8_splat(0x12345),
            I16({0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345}));
  EXPECT_EQ(f64x2_splat(-0.0), F64({-0.0, -0.0}));
  V128 v = I8({0, -2});
  EXPECT_EQ(i8x16_extract_lane_s(v, 1), 0xfffffffeu);
  EXPECT_EQ(i8x16_extract_lane_u(v, 1), 0xfeu);
  EXPECT_EQ(i16x8_extract_lane_s(I16({0, 0, -3}), 2), uint32_t(-3));
  EXPECT_EQ(i64x2_extract_lane(I64({1, -5}), 1), uint64_t(-5));
  EXPECT_EQ(f32x4_extract_lane(F32({1, 2, 3, 4}), 3), 4.0f);
  EXPECT_EQ(i8x16_replace_lane(V128{}, 0x1ab, 15), (V128{0, 0xabull << 56}));
  EXPECT_EQ(f64x2_replace_lane(F64({1, 2}), 7.5, 0), F64({7.5, 2}));
  EXPECT_EQ(i32x4_replace_lane(I32({1, 2, 3, 4}), 9, 2), I32({1, 2, 9, 4}));
}

TEST(SimdTest, SwizzleZeroesOutOfRangeIndices) {
  V128 a = I8({10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25});
  EXPECT_EQ(i8x16_swizzle(a, I8({15, 0, 16, -1, 1, 127})),
            I8({25, 10, 0, 0, 11, 0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10}));
}

TEST(SimdTest, ShuffleIndexesBothOperands) {
  V128 a = I8({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  V128 b = I8({16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31});
  const uint8_t lanes[16] = {31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22};
  EXPECT_EQ(i8x16_shuffle(a, b, lanes),
            I8({31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22}));
}

TEST(SimdTest, ConstIsTheSixteenImmediateBytes) {
  const uint8_t imm[16] = {0xff, 0, 0, 0, 0, 0, 0, 0x80, 1};
  EXPECT_EQ(v128_const(imm), (V128{0x80000000000000ff, 1}));
}

TEST(SimdTest, ExtendingLoadsReadHalfAVector) {
  const uint8_t mem[17] = {0,    0x80, 0xff, 0x7f, 1,    2,    3,    4,   0xaa,
                           0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22, 0x33};
  // Unaligned: start at mem + 1.
  EXPECT_EQ(v128_load8x8_s(mem + 1), I16({-128, -1, 127, 1, 2, 3, 4, -86}));
  EXPECT_EQ(v128_load8x8_u(mem + 1), I16({128, 255, 127, 1, 2, 3, 4, 170}));
  EXPECT_EQ(v128_load16x4_s(mem), I32({-32768, 0x7fff, 0x0201, 0x0403}));
  EXPECT_EQ(v128_load16x4_u(mem), I32({0x8000, 0x7fff, 0x0201, 0x0403}));
  EXPECT_EQ(v128_load32x2_s(mem + 8), I64({int64_t(int32_t(0xddccbbaa)), 0x2211ffee}));
  EXPECT_EQ(v128_load32x2_u(mem + 8), I64({0xddccbbaa, 0x2211ffee}));
  EXPECT_EQ(v128_load(mem + 1), FromBytes(mem + 1));
}

TEST(SimdTest, SplatAndZeroLoads) {
  const uint8_t mem[8] = {0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  EXPECT_EQ(v128_load8_splat(mem), I8({-128, -128, -128, -128, -128, -128, -128, -128, -128, -128,
                                       -128, -128, -128, -128, -128, -128}));
  EXPECT_EQ(v128_load16_splat(mem),
            I16({0x0180, 0x0180, 0x0180, 0x0180, 0x0180, 0x0180, 0x0180, 0x0180}));
  EXPECT_EQ(v128_load32_splat(mem), I32({0x03020180, 0x03020180, 0x03020180, 0x03020180}));
  EXPECT_EQ(v128_load64_splat(mem), (V128{0x0706050403020180, 0x0706050403020180}));
  EXPECT_EQ(v128_load32_zero(mem), (V128{0x03020180, 0}));
  EXPECT_EQ(v128_load64_zero(mem), (V128{0x0706050403020180, 0}));
}

TEST(SimdTest, LaneLoadsAndStoresTouchOneLane) {
  const uint8_t mem[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  V128 v{~0ull, ~0ull};
  EXPECT_EQ(v128_load8_lane(mem, v, 15), (V128{~0ull, 0x01ffffffffffffff}));
  EXPECT_EQ(v128_load16_lane(mem, v, 0), (V128{0xffffffffffff0201, ~0ull}));
  EXPECT_EQ(v128_load32_lane(mem, v, 2), (V128{~0ull, 0xffffffff04030201}));
  EXPECT_EQ(v128_load64_lane(mem, v, 1), (V128{~0ull, 0x0807060504030201}));

  V128 src = I8({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  uint8_t out[10] = {};
  v128_store8_lane(out, src, 9);
  EXPECT_EQ(out[0], 9);
  EXPECT_EQ(out[1], 0);
  v128_store16_lane(out + 1, src, 7);  // Unaligned.
  EXPECT_EQ(out[1], 14);
  EXPECT_EQ(out[2], 15);
  EXPECT_EQ(out[3], 0);
  v128_store32_lane(out, src, 1);
  EXPECT_EQ(out[0], 4);
  EXPECT_EQ(out[3], 7);
  EXPECT_EQ(out[4], 0);
  v128_store64_lane(out + 2, src, 1);
  EXPECT_EQ(out[2], 8);
  EXPECT_EQ(out[9], 15);
  uint8_t whole[17] = {};
  v128_store(whole + 1, src);
  EXPECT_EQ(whole[0], 0);
  EXPECT_EQ(whole[16], 15);
}

}  // namespace
}  // namespace shoal::vm::simd
