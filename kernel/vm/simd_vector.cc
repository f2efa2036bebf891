// Whole-vector and lane-moving SIMD instructions: v128 bitwise operations,
// v128.const, splats, extract_lane / replace_lane, swizzle and shuffle.

#include <cstdint>
#include <cstring>

#include "kernel/vm/simd.h"
#include "kernel/vm/simd_lanes.h"

namespace shoal::vm::simd {

using namespace lanes;  // NOLINT(google-build-using-namespace): file-local helpers.

namespace {

template <typename T>
V128 Splat(T x) {
  Lanes<T> r;
  r.fill(x);
  return Join<T>(r);
}

}  // namespace

V128 v128_const(const uint8_t* imm) { return FromBytes(imm); }

V128 v128_not(V128 a) { return {~a.lo, ~a.hi}; }
V128 v128_and(V128 a, V128 b) { return {a.lo & b.lo, a.hi & b.hi}; }
V128 v128_andnot(V128 a, V128 b) { return {a.lo & ~b.lo, a.hi & ~b.hi}; }
V128 v128_or(V128 a, V128 b) { return {a.lo | b.lo, a.hi | b.hi}; }
V128 v128_xor(V128 a, V128 b) { return {a.lo ^ b.lo, a.hi ^ b.hi}; }
// Bits of a where the mask c is 1, bits of b where it is 0.
V128 v128_bitselect(V128 a, V128 b, V128 c) {
  return {(a.lo & c.lo) | (b.lo & ~c.lo), (a.hi & c.hi) | (b.hi & ~c.hi)};
}
uint32_t v128_any_true(V128 a) { return (a.lo | a.hi) != 0 ? 1 : 0; }

V128 i8x16_splat(uint32_t x) { return Splat<uint8_t>(uint8_t(x)); }
V128 i16x8_splat(uint32_t x) { return Splat<uint16_t>(uint16_t(x)); }
V128 i32x4_splat(uint32_t x) { return Splat<uint32_t>(x); }
V128 i64x2_splat(uint64_t x) { return Splat<uint64_t>(x); }
V128 f32x4_splat(float x) { return Splat<float>(x); }
V128 f64x2_splat(double x) { return Splat<double>(x); }

uint32_t i8x16_extract_lane_s(V128 a, uint8_t lane) {
  return uint32_t(int32_t(GetLane<int8_t>(a, lane)));
}
uint32_t i8x16_extract_lane_u(V128 a, uint8_t lane) { return GetLane<uint8_t>(a, lane); }
uint32_t i16x8_extract_lane_s(V128 a, uint8_t lane) {
  return uint32_t(int32_t(GetLane<int16_t>(a, lane)));
}
uint32_t i16x8_extract_lane_u(V128 a, uint8_t lane) { return GetLane<uint16_t>(a, lane); }
uint32_t i32x4_extract_lane(V128 a, uint8_t lane) { return GetLane<uint32_t>(a, lane); }
uint64_t i64x2_extract_lane(V128 a, uint8_t lane) { return GetLane<uint64_t>(a, lane); }
float f32x4_extract_lane(V128 a, uint8_t lane) { return GetLane<float>(a, lane); }
double f64x2_extract_lane(V128 a, uint8_t lane) { return GetLane<double>(a, lane); }

V128 i8x16_replace_lane(V128 a, uint32_t x, uint8_t lane) {
  return SetLane<uint8_t>(a, lane, uint8_t(x));
}
V128 i16x8_replace_lane(V128 a, uint32_t x, uint8_t lane) {
  return SetLane<uint16_t>(a, lane, uint16_t(x));
}
V128 i32x4_replace_lane(V128 a, uint32_t x, uint8_t lane) { return SetLane<uint32_t>(a, lane, x); }
V128 i64x2_replace_lane(V128 a, uint64_t x, uint8_t lane) { return SetLane<uint64_t>(a, lane, x); }
V128 f32x4_replace_lane(V128 a, float x, uint8_t lane) { return SetLane<float>(a, lane, x); }
V128 f64x2_replace_lane(V128 a, double x, uint8_t lane) { return SetLane<double>(a, lane, x); }

// r[i] = a[b[i]], or 0 where b[i] >= 16 (any byte value is allowed).
V128 i8x16_swizzle(V128 a, V128 b) {
  const Lanes<uint8_t> x = Split<uint8_t>(a);
  const Lanes<uint8_t> s = Split<uint8_t>(b);
  Lanes<uint8_t> r;
  for (size_t i = 0; i < 16; ++i) r[i] = s[i] < 16 ? x[s[i]] : 0;
  return Join<uint8_t>(r);
}

// r[i] = (a ++ b)[lanes[i]]; the validator checks lanes[i] < 32, masked here.
V128 i8x16_shuffle(V128 a, V128 b, const uint8_t* lanes) {
  uint8_t both[32];
  std::memcpy(both, &a, 16);
  std::memcpy(both + 16, &b, 16);
  Lanes<uint8_t> r;
  for (size_t i = 0; i < 16; ++i) r[i] = both[lanes[i] & 31];
  return Join<uint8_t>(r);
}

}  // namespace shoal::vm::simd
