// Integer lane arithmetic of the SIMD instructions: wrapping and saturating
// add/sub, mul, min/max, averages, comparisons, shifts, abs/neg/popcnt,
// narrowing, extension, extended multiplies, pairwise adds and the dot
// product. Lane types: s8 = int8_t, u8 = uint8_t, and so on.

#include <bit>
#include <cstdint>
#include <limits>

#include "kernel/vm/simd.h"
#include "kernel/vm/simd_lanes.h"

namespace shoal::vm::simd {

using namespace lanes;  // NOLINT(google-build-using-namespace): file-local helpers.

namespace {

// Wrapping arithmetic on unsigned lanes, done in 64 bits so that narrow
// types never overflow `int` after promotion.
template <typename U>
U WrapAdd(U a, U b) {
  return U(uint64_t(a) + uint64_t(b));
}
template <typename U>
U WrapSub(U a, U b) {
  return U(uint64_t(a) - uint64_t(b));
}
template <typename U>
U WrapMul(U a, U b) {
  return U(uint64_t(a) * uint64_t(b));
}

// Saturating add/sub for 8- and 16-bit lanes (signed or unsigned).
template <typename T>
T SatAdd(T a, T b) {
  const int32_t r = int32_t(a) + int32_t(b);
  if (r < int32_t(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (r > int32_t(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return T(r);
}
template <typename T>
T SatSub(T a, T b) {
  const int32_t r = int32_t(a) - int32_t(b);
  if (r < int32_t(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (r > int32_t(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return T(r);
}

// Shift counts are taken modulo the lane width.
template <typename T>
V128 Shl(V128 a, uint32_t count) {
  const unsigned n = count % (8 * sizeof(T));
  return Map<T>(a, [n](T x) { return T(uint64_t(x) << n); });
}
template <typename T>
V128 Shr(V128 a, uint32_t count) {
  // T signed: arithmetic shift (defined in C++20); unsigned: logical.
  const unsigned n = count % (8 * sizeof(T));
  return Map<T>(a, [n](T x) { return T(x >> n); });
}

// abs of the most negative value is itself, as in two's complement.
template <typename S>
V128 Abs(V128 a) {
  using U = Bits<S>;
  return Map<S, U>(a, [](S x) { return x < 0 ? U(0 - U(x)) : U(x); });
}
template <typename U>
V128 Neg(V128 a) {
  return Map<U>(a, [](U x) { return U(0 - uint64_t(x)); });
}

}  // namespace

// Wrapping add, sub, mul.
#define SHOAL_SIMD_WRAP(shape, U)                                        \
  V128 shape##_add(V128 a, V128 b) { return Map2<U>(a, b, WrapAdd<U>); } \
  V128 shape##_sub(V128 a, V128 b) { return Map2<U>(a, b, WrapSub<U>); } \
  V128 shape##_neg(V128 a) { return Neg<U>(a); }                         \
  V128 shape##_shl(V128 a, uint32_t n) { return Shl<U>(a, n); }          \
  V128 shape##_shr_u(V128 a, uint32_t n) { return Shr<U>(a, n); }        \
  V128 shape##_eq(V128 a, V128 b) {                                      \
    return Map2<U>(a, b, [](U x, U y) { return Mask<U>(x == y); });      \
  }                                                                      \
  V128 shape##_ne(V128 a, V128 b) {                                      \
    return Map2<U>(a, b, [](U x, U y) { return Mask<U>(x != y); });      \
  }
SHOAL_SIMD_WRAP(i8x16, uint8_t)
SHOAL_SIMD_WRAP(i16x8, uint16_t)
SHOAL_SIMD_WRAP(i32x4, uint32_t)
SHOAL_SIMD_WRAP(i64x2, uint64_t)
#undef SHOAL_SIMD_WRAP

V128 i16x8_mul(V128 a, V128 b) { return Map2<uint16_t>(a, b, WrapMul<uint16_t>); }
V128 i32x4_mul(V128 a, V128 b) { return Map2<uint32_t>(a, b, WrapMul<uint32_t>); }
V128 i64x2_mul(V128 a, V128 b) { return Map2<uint64_t>(a, b, WrapMul<uint64_t>); }

// Signed shapes: abs, arithmetic shift right, signed comparisons.
#define SHOAL_SIMD_SIGNED(shape, S)                                          \
  V128 shape##_abs(V128 a) { return Abs<S>(a); }                             \
  V128 shape##_shr_s(V128 a, uint32_t n) { return Shr<S>(a, n); }            \
  V128 shape##_lt_s(V128 a, V128 b) {                                        \
    return Map2<S, Bits<S>>(a, b, [](S x, S y) { return Mask<S>(x < y); });  \
  }                                                                          \
  V128 shape##_gt_s(V128 a, V128 b) {                                        \
    return Map2<S, Bits<S>>(a, b, [](S x, S y) { return Mask<S>(x > y); });  \
  }                                                                          \
  V128 shape##_le_s(V128 a, V128 b) {                                        \
    return Map2<S, Bits<S>>(a, b, [](S x, S y) { return Mask<S>(x <= y); }); \
  }                                                                          \
  V128 shape##_ge_s(V128 a, V128 b) {                                        \
    return Map2<S, Bits<S>>(a, b, [](S x, S y) { return Mask<S>(x >= y); }); \
  }
SHOAL_SIMD_SIGNED(i8x16, int8_t)
SHOAL_SIMD_SIGNED(i16x8, int16_t)
SHOAL_SIMD_SIGNED(i32x4, int32_t)
SHOAL_SIMD_SIGNED(i64x2, int64_t)
#undef SHOAL_SIMD_SIGNED

// Shapes up to 32 bits: unsigned comparisons, min and max.
#define SHOAL_SIMD_ORDERED(shape, S, U)                             \
  V128 shape##_lt_u(V128 a, V128 b) {                               \
    return Map2<U>(a, b, [](U x, U y) { return Mask<U>(x < y); });  \
  }                                                                 \
  V128 shape##_gt_u(V128 a, V128 b) {                               \
    return Map2<U>(a, b, [](U x, U y) { return Mask<U>(x > y); });  \
  }                                                                 \
  V128 shape##_le_u(V128 a, V128 b) {                               \
    return Map2<U>(a, b, [](U x, U y) { return Mask<U>(x <= y); }); \
  }                                                                 \
  V128 shape##_ge_u(V128 a, V128 b) {                               \
    return Map2<U>(a, b, [](U x, U y) { return Mask<U>(x >= y); }); \
  }                                                                 \
  V128 shape##_min_s(V128 a, V128 b) {                              \
    return Map2<S>(a, b, [](S x, S y) { return x < y ? x : y; });   \
  }                                                                 \
  V128 shape##_min_u(V128 a, V128 b) {                              \
    return Map2<U>(a, b, [](U x, U y) { return x < y ? x : y; });   \
  }                                                                 \
  V128 shape##_max_s(V128 a, V128 b) {                              \
    return Map2<S>(a, b, [](S x, S y) { return x > y ? x : y; });   \
  }                                                                 \
  V128 shape##_max_u(V128 a, V128 b) {                              \
    return Map2<U>(a, b, [](U x, U y) { return x > y ? x : y; });   \
  }
SHOAL_SIMD_ORDERED(i8x16, int8_t, uint8_t)
SHOAL_SIMD_ORDERED(i16x8, int16_t, uint16_t)
SHOAL_SIMD_ORDERED(i32x4, int32_t, uint32_t)
#undef SHOAL_SIMD_ORDERED

// 8- and 16-bit shapes: saturating arithmetic and the rounding average.
#define SHOAL_SIMD_SATURATING(shape, S, U)                                                  \
  V128 shape##_add_sat_s(V128 a, V128 b) { return Map2<S>(a, b, SatAdd<S>); }               \
  V128 shape##_add_sat_u(V128 a, V128 b) { return Map2<U>(a, b, SatAdd<U>); }               \
  V128 shape##_sub_sat_s(V128 a, V128 b) { return Map2<S>(a, b, SatSub<S>); }               \
  V128 shape##_sub_sat_u(V128 a, V128 b) { return Map2<U>(a, b, SatSub<U>); }               \
  V128 shape##_avgr_u(V128 a, V128 b) {                                                     \
    return Map2<U>(a, b, [](U x, U y) { return U((uint32_t(x) + uint32_t(y) + 1) >> 1); }); \
  }
SHOAL_SIMD_SATURATING(i8x16, int8_t, uint8_t)
SHOAL_SIMD_SATURATING(i16x8, int16_t, uint16_t)
#undef SHOAL_SIMD_SATURATING

V128 i8x16_popcnt(V128 a) {
  return Map<uint8_t>(a, [](uint8_t x) { return uint8_t(std::popcount(x)); });
}

uint32_t i8x16_all_true(V128 a) { return AllTrue<uint8_t>(a); }
uint32_t i16x8_all_true(V128 a) { return AllTrue<uint16_t>(a); }
uint32_t i32x4_all_true(V128 a) { return AllTrue<uint32_t>(a); }
uint32_t i64x2_all_true(V128 a) { return AllTrue<uint64_t>(a); }
uint32_t i8x16_bitmask(V128 a) { return Bitmask<uint8_t>(a); }
uint32_t i16x8_bitmask(V128 a) { return Bitmask<uint16_t>(a); }
uint32_t i32x4_bitmask(V128 a) { return Bitmask<uint32_t>(a); }
uint32_t i64x2_bitmask(V128 a) { return Bitmask<uint64_t>(a); }

// Narrowing takes signed input lanes in both variants; _u saturates to
// [0, 2^N - 1].
V128 i8x16_narrow_i16x8_s(V128 a, V128 b) { return NarrowSat<int16_t, int8_t>(a, b); }
V128 i8x16_narrow_i16x8_u(V128 a, V128 b) { return NarrowSat<int16_t, uint8_t>(a, b); }
V128 i16x8_narrow_i32x4_s(V128 a, V128 b) { return NarrowSat<int32_t, int16_t>(a, b); }
V128 i16x8_narrow_i32x4_u(V128 a, V128 b) { return NarrowSat<int32_t, uint16_t>(a, b); }

#define SHOAL_SIMD_EXTEND(shape, from, S, SW, U, UW)                                        \
  V128 shape##_extend_low_##from##_s(V128 a) { return Extend<S, SW>(a, false); }            \
  V128 shape##_extend_high_##from##_s(V128 a) { return Extend<S, SW>(a, true); }            \
  V128 shape##_extend_low_##from##_u(V128 a) { return Extend<U, UW>(a, false); }            \
  V128 shape##_extend_high_##from##_u(V128 a) { return Extend<U, UW>(a, true); }            \
  V128 shape##_extmul_low_##from##_s(V128 a, V128 b) { return ExtMul<S, SW>(a, b, false); } \
  V128 shape##_extmul_high_##from##_s(V128 a, V128 b) { return ExtMul<S, SW>(a, b, true); } \
  V128 shape##_extmul_low_##from##_u(V128 a, V128 b) { return ExtMul<U, UW>(a, b, false); } \
  V128 shape##_extmul_high_##from##_u(V128 a, V128 b) { return ExtMul<U, UW>(a, b, true); }
SHOAL_SIMD_EXTEND(i16x8, i8x16, int8_t, int16_t, uint8_t, uint16_t)
SHOAL_SIMD_EXTEND(i32x4, i16x8, int16_t, int32_t, uint16_t, uint32_t)
SHOAL_SIMD_EXTEND(i64x2, i32x4, int32_t, int64_t, uint32_t, uint64_t)
#undef SHOAL_SIMD_EXTEND

V128 i16x8_extadd_pairwise_i8x16_s(V128 a) { return ExtAddPairwise<int8_t, int16_t>(a); }
V128 i16x8_extadd_pairwise_i8x16_u(V128 a) { return ExtAddPairwise<uint8_t, uint16_t>(a); }
V128 i32x4_extadd_pairwise_i16x8_s(V128 a) { return ExtAddPairwise<int16_t, int32_t>(a); }
V128 i32x4_extadd_pairwise_i16x8_u(V128 a) { return ExtAddPairwise<uint16_t, uint32_t>(a); }

// (a * b + 2^14) >> 15 per lane, saturated: only -32768 * -32768 overflows.
V128 i16x8_q15mulr_sat_s(V128 a, V128 b) {
  return Map2<int16_t>(a, b, [](int16_t x, int16_t y) {
    const int32_t r = (int32_t(x) * int32_t(y) + 0x4000) >> 15;
    return int16_t(r > 0x7fff ? 0x7fff : r);
  });
}

// r[i] = a[2i] * b[2i] + a[2i+1] * b[2i+1], wrapping to 32 bits (only
// all four operands -32768 overflow).
V128 i32x4_dot_i16x8_s(V128 a, V128 b) {
  const Lanes<int16_t> x = Split<int16_t>(a);
  const Lanes<int16_t> y = Split<int16_t>(b);
  Lanes<uint32_t> r;
  for (size_t i = 0; i < 4; ++i) {
    const int64_t sum = int64_t(x[2 * i]) * y[2 * i] + int64_t(x[2 * i + 1]) * y[2 * i + 1];
    r[i] = uint32_t(uint64_t(sum));
  }
  return Join<uint32_t>(r);
}

}  // namespace shoal::vm::simd
