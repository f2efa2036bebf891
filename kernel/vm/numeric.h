// Numeric semantics of WebAssembly that C++ operators do not give directly:
// NaN-propagating min/max, round-half-even, checked and saturating float to
// integer conversion, rotations.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace shoal::vm::numeric {

template <typename F>
F Min(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;  // A quiet NaN.
  if (a == b) return std::signbit(a) ? a : b;        // min(-0, +0) = -0.
  return a < b ? a : b;
}

template <typename F>
F Max(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// Rounding functions must return a quiet NaN for a signalling one; libm's
// may return it unchanged, so NaNs are quieted by arithmetic first.
template <typename F>
F Nearest(F a) {
  if (std::isnan(a)) return a + a;
  return std::nearbyint(a);  // The default rounding mode is round-half-even.
}
template <typename F>
F Ceil(F a) {
  return std::isnan(a) ? a + a : std::ceil(a);
}
template <typename F>
F Floor(F a) {
  return std::isnan(a) ? a + a : std::floor(a);
}
template <typename F>
F Trunc(F a) {
  return std::isnan(a) ? a + a : std::trunc(a);
}

inline float CopySign(float a, float b) {
  return std::bit_cast<float>((std::bit_cast<uint32_t>(a) & 0x7fffffffu) |
                              (std::bit_cast<uint32_t>(b) & 0x80000000u));
}
inline double CopySign(double a, double b) {
  return std::bit_cast<double>((std::bit_cast<uint64_t>(a) & ~(uint64_t(1) << 63)) |
                               (std::bit_cast<uint64_t>(b) & (uint64_t(1) << 63)));
}
inline float Abs(float a) { return std::bit_cast<float>(std::bit_cast<uint32_t>(a) & 0x7fffffffu); }
inline double Abs(double a) {
  return std::bit_cast<double>(std::bit_cast<uint64_t>(a) & ~(uint64_t(1) << 63));
}
inline float Neg(float a) { return std::bit_cast<float>(std::bit_cast<uint32_t>(a) ^ 0x80000000u); }
inline double Neg(double a) {
  return std::bit_cast<double>(std::bit_cast<uint64_t>(a) ^ (uint64_t(1) << 63));
}

// Whether float `x` truncates to a value representable in integer type I.
// The bounds are exact powers of two, so the comparisons are exact.
template <typename I, typename F>
bool InRange(F x) {
  if (std::isnan(x)) return false;
  if constexpr (std::is_signed_v<I>) {
    const F lo = -std::ldexp(F(1), std::numeric_limits<I>::digits);  // -2^(N-1)
    const F hi = std::ldexp(F(1), std::numeric_limits<I>::digits);
    return x >= lo && x < hi ? true : (x > lo - 1 && x < lo ? true : false);
  } else {
    const F hi = std::ldexp(F(1), std::numeric_limits<I>::digits);  // 2^N
    return x > F(-1) && x < hi;
  }
}

// Saturating truncation: NaN -> 0, out of range -> the nearest bound.
template <typename I, typename F>
I TruncSat(F x) {
  if (std::isnan(x)) return 0;
  if (x <= F(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (x >= std::ldexp(F(1), std::numeric_limits<I>::digits)) return std::numeric_limits<I>::max();
  return I(x);
}

}  // namespace shoal::vm::numeric
