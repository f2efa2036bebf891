// Lane-wise helpers for the SIMD implementation files (simd_*.cc); not part
// of the VM's interface. A V128 is viewed as std::array<T, 16 / sizeof(T)>
// by bit_cast, an operation is applied per lane, and the array is cast back.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernel/vm/simd.h"

namespace shoal::vm::simd::lanes {

template <typename T>
using Lanes = std::array<T, 16 / sizeof(T)>;

template <typename T>
inline constexpr size_t kCount = 16 / sizeof(T);

template <typename T>
Lanes<T> Split(V128 v) {
  return std::bit_cast<Lanes<T>>(v);
}

template <typename T>
V128 Join(const Lanes<T>& lanes) {
  return std::bit_cast<V128>(lanes);
}

// The unsigned integer type of the same width as T (the lane mask type).
template <typename T>
using Bits =
    std::conditional_t<sizeof(T) == 1, uint8_t,
                       std::conditional_t<sizeof(T) == 2, uint16_t,
                                          std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;

// All ones if `b`, else zero: the lane result of a comparison.
template <typename T>
Bits<T> Mask(bool b) {
  return b ? Bits<T>(~Bits<T>(0)) : Bits<T>(0);
}

// r[i] = f(a[i]); f returns R (default T).
template <typename T, typename R = T, typename F>
V128 Map(V128 a, F f) {
  static_assert(sizeof(R) == sizeof(T));
  const Lanes<T> x = Split<T>(a);
  Lanes<R> r;
  for (size_t i = 0; i < kCount<T>; ++i) r[i] = R(f(x[i]));
  return Join<R>(r);
}

// r[i] = f(a[i], b[i]).
template <typename T, typename R = T, typename F>
V128 Map2(V128 a, V128 b, F f) {
  static_assert(sizeof(R) == sizeof(T));
  const Lanes<T> x = Split<T>(a);
  const Lanes<T> y = Split<T>(b);
  Lanes<R> r;
  for (size_t i = 0; i < kCount<T>; ++i) r[i] = R(f(x[i], y[i]));
  return Join<R>(r);
}

// Narrow lanes of the wider type W to T with saturation: a's lanes fill the
// low half of the result, b's the high half.
template <typename W, typename T>
V128 NarrowSat(V128 a, V128 b) {
  const Lanes<W> x = Split<W>(a);
  const Lanes<W> y = Split<W>(b);
  Lanes<T> r;
  auto sat = [](W v) {
    if (v < W(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (v > W(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return T(v);
  };
  for (size_t i = 0; i < kCount<W>; ++i) {
    r[i] = sat(x[i]);
    r[i + kCount<W>] = sat(y[i]);
  }
  return Join<T>(r);
}

// Widen half the lanes of T (the low half if `high` is false) to W.
template <typename T, typename W>
V128 Extend(V128 a, bool high) {
  const Lanes<T> x = Split<T>(a);
  Lanes<W> r;
  const size_t base = high ? kCount<W> : 0;
  for (size_t i = 0; i < kCount<W>; ++i) r[i] = W(x[base + i]);
  return Join<W>(r);
}

// Widening multiply of half the lanes: r[i] = W(a[k]) * W(b[k]), computed in
// 64 bits so no intermediate overflows.
template <typename T, typename W>
V128 ExtMul(V128 a, V128 b, bool high) {
  const Lanes<T> x = Split<T>(a);
  const Lanes<T> y = Split<T>(b);
  Lanes<W> r;
  const size_t base = high ? kCount<W> : 0;
  using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
  for (size_t i = 0; i < kCount<W>; ++i) {
    r[i] = W(Wide(x[base + i]) * Wide(y[base + i]));
  }
  return Join<W>(r);
}

// r[i] = W(a[2i]) + W(a[2i+1]).
template <typename T, typename W>
V128 ExtAddPairwise(V128 a) {
  const Lanes<T> x = Split<T>(a);
  Lanes<W> r;
  for (size_t i = 0; i < kCount<W>; ++i) r[i] = W(W(x[2 * i]) + W(x[2 * i + 1]));
  return Join<W>(r);
}

// Bit i is the top bit of lane i.
template <typename T>
uint32_t Bitmask(V128 a) {
  using S = std::make_signed_t<Bits<T>>;
  const Lanes<S> x = Split<S>(a);
  uint32_t r = 0;
  for (size_t i = 0; i < kCount<T>; ++i) r |= uint32_t(x[i] < 0) << i;
  return r;
}

// 1 if every lane is nonzero.
template <typename T>
uint32_t AllTrue(V128 a) {
  const Lanes<T> x = Split<T>(a);
  for (T v : x) {
    if (v == 0) return 0;
  }
  return 1;
}

}  // namespace shoal::vm::simd::lanes
