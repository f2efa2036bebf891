// Floating-point lanes of the SIMD instructions: arithmetic, min/max and the
// pseudo-min/max, rounding, comparisons and the conversions between lane
// types. Scalar rules are shared with the scalar instructions (numeric.h).

#include <cmath>
#include <cstdint>

#include "kernel/vm/numeric.h"
#include "kernel/vm/simd.h"
#include "kernel/vm/simd_lanes.h"

namespace shoal::vm::simd {

using namespace lanes;  // NOLINT(google-build-using-namespace): file-local helpers.

namespace {

// pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a, choosing the
// operand's bits unchanged (a NaN operand is returned as is, never quieted).
template <typename F>
V128 PMin(V128 a, V128 b) {
  using U = Bits<F>;
  const Lanes<F> x = Split<F>(a), y = Split<F>(b);
  const Lanes<U> xb = Split<U>(a), yb = Split<U>(b);
  Lanes<U> r;
  for (size_t i = 0; i < kCount<F>; ++i) r[i] = y[i] < x[i] ? yb[i] : xb[i];
  return Join<U>(r);
}
template <typename F>
V128 PMax(V128 a, V128 b) {
  using U = Bits<F>;
  const Lanes<F> x = Split<F>(a), y = Split<F>(b);
  const Lanes<U> xb = Split<U>(a), yb = Split<U>(b);
  Lanes<U> r;
  for (size_t i = 0; i < kCount<F>; ++i) r[i] = x[i] < y[i] ? yb[i] : xb[i];
  return Join<U>(r);
}

// abs and neg touch only the sign bit.
template <typename F>
V128 SignAnd(V128 a) {
  using U = Bits<F>;
  return Map<U>(a, [](U x) { return U(x & (~U(0) >> 1)); });
}
template <typename F>
V128 SignFlip(V128 a) {
  using U = Bits<F>;
  return Map<U>(a, [](U x) { return U(x ^ ~(~U(0) >> 1)); });
}

template <typename F>
V128 Compare(V128 a, V128 b, bool (*cmp)(F, F)) {
  return Map2<F, Bits<F>>(a, b, [cmp](F x, F y) { return Mask<F>(cmp(x, y)); });
}

}  // namespace

#define SHOAL_SIMD_FLOAT(shape, F)                                            \
  V128 shape##_abs(V128 a) { return SignAnd<F>(a); }                          \
  V128 shape##_neg(V128 a) { return SignFlip<F>(a); }                         \
  V128 shape##_sqrt(V128 a) {                                                 \
    return Map<F>(a, [](F x) { return std::sqrt(x); });                       \
  }                                                                           \
  V128 shape##_ceil(V128 a) { return Map<F>(a, numeric::Ceil<F>); }           \
  V128 shape##_floor(V128 a) { return Map<F>(a, numeric::Floor<F>); }         \
  V128 shape##_trunc(V128 a) { return Map<F>(a, numeric::Trunc<F>); }         \
  V128 shape##_nearest(V128 a) { return Map<F>(a, numeric::Nearest<F>); }     \
  V128 shape##_add(V128 a, V128 b) {                                          \
    return Map2<F>(a, b, [](F x, F y) { return x + y; });                     \
  }                                                                           \
  V128 shape##_sub(V128 a, V128 b) {                                          \
    return Map2<F>(a, b, [](F x, F y) { return x - y; });                     \
  }                                                                           \
  V128 shape##_mul(V128 a, V128 b) {                                          \
    return Map2<F>(a, b, [](F x, F y) { return x * y; });                     \
  }                                                                           \
  V128 shape##_div(V128 a, V128 b) {                                          \
    return Map2<F>(a, b, [](F x, F y) { return x / y; });                     \
  }                                                                           \
  V128 shape##_min(V128 a, V128 b) { return Map2<F>(a, b, numeric::Min<F>); } \
  V128 shape##_max(V128 a, V128 b) { return Map2<F>(a, b, numeric::Max<F>); } \
  V128 shape##_pmin(V128 a, V128 b) { return PMin<F>(a, b); }                 \
  V128 shape##_pmax(V128 a, V128 b) { return PMax<F>(a, b); }                 \
  V128 shape##_eq(V128 a, V128 b) {                                           \
    return Compare<F>(a, b, [](F x, F y) { return x == y; });                 \
  }                                                                           \
  V128 shape##_ne(V128 a, V128 b) {                                           \
    return Compare<F>(a, b, [](F x, F y) { return x != y; });                 \
  }                                                                           \
  V128 shape##_lt(V128 a, V128 b) {                                           \
    return Compare<F>(a, b, [](F x, F y) { return x < y; });                  \
  }                                                                           \
  V128 shape##_gt(V128 a, V128 b) {                                           \
    return Compare<F>(a, b, [](F x, F y) { return x > y; });                  \
  }                                                                           \
  V128 shape##_le(V128 a, V128 b) {                                           \
    return Compare<F>(a, b, [](F x, F y) { return x <= y; });                 \
  }                                                                           \
  V128 shape##_ge(V128 a, V128 b) {                                           \
    return Compare<F>(a, b, [](F x, F y) { return x >= y; });                 \
  }
SHOAL_SIMD_FLOAT(f32x4, float)
SHOAL_SIMD_FLOAT(f64x2, double)
#undef SHOAL_SIMD_FLOAT

// Conversions. Lanes a result does not fill (the _zero forms) are zero.

V128 i32x4_trunc_sat_f32x4_s(V128 a) {
  return Map<float, int32_t>(a, numeric::TruncSat<int32_t, float>);
}
V128 i32x4_trunc_sat_f32x4_u(V128 a) {
  return Map<float, uint32_t>(a, numeric::TruncSat<uint32_t, float>);
}
V128 i32x4_trunc_sat_f64x2_s_zero(V128 a) {
  const Lanes<double> x = Split<double>(a);
  return Join<int32_t>({numeric::TruncSat<int32_t>(x[0]), numeric::TruncSat<int32_t>(x[1]), 0, 0});
}
V128 i32x4_trunc_sat_f64x2_u_zero(V128 a) {
  const Lanes<double> x = Split<double>(a);
  return Join<uint32_t>(
      {numeric::TruncSat<uint32_t>(x[0]), numeric::TruncSat<uint32_t>(x[1]), 0, 0});
}

V128 f32x4_convert_i32x4_s(V128 a) {
  return Map<int32_t, float>(a, [](int32_t x) { return float(x); });
}
V128 f32x4_convert_i32x4_u(V128 a) {
  return Map<uint32_t, float>(a, [](uint32_t x) { return float(x); });
}
V128 f64x2_convert_low_i32x4_s(V128 a) {
  const Lanes<int32_t> x = Split<int32_t>(a);
  return Join<double>({double(x[0]), double(x[1])});
}
V128 f64x2_convert_low_i32x4_u(V128 a) {
  const Lanes<uint32_t> x = Split<uint32_t>(a);
  return Join<double>({double(x[0]), double(x[1])});
}

// Demotion rounds to nearest-even (the default mode); a NaN stays a NaN and
// is quieted by the conversion.
V128 f32x4_demote_f64x2_zero(V128 a) {
  const Lanes<double> x = Split<double>(a);
  return Join<float>({float(x[0]), float(x[1]), 0.0f, 0.0f});
}
V128 f64x2_promote_low_f32x4(V128 a) {
  const Lanes<float> x = Split<float>(a);
  return Join<double>({double(x[0]), double(x[1])});
}

}  // namespace shoal::vm::simd
