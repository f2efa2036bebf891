// SHOAL_BITMASK(Enum): bitwise operators for an `enum class` used as a set of
// flags (Rights, Signals), plus Any() and Contains() to test them.
#pragma once

#include <type_traits>

#define SHOAL_BITMASK(E)                                                                   \
  constexpr E operator|(E a, E b) {                                                        \
    return E(std::underlying_type_t<E>(a) | std::underlying_type_t<E>(b));                 \
  }                                                                                        \
  constexpr E operator&(E a, E b) {                                                        \
    return E(std::underlying_type_t<E>(a) & std::underlying_type_t<E>(b));                 \
  }                                                                                        \
  constexpr E operator~(E a) { return E(~std::underlying_type_t<E>(a)); }                  \
  constexpr E& operator|=(E& a, E b) { return a = a | b; }                                 \
  constexpr E& operator&=(E& a, E b) { return a = a & b; }                                 \
  /* True when any bit of `bits` is set in `set`. */                                       \
  constexpr bool Any(E set, E bits) { return std::underlying_type_t<E>(set & bits) != 0; } \
  /* True when every bit of `bits` is set in `set`. */                                     \
  constexpr bool Contains(E set, E bits) { return (set & bits) == bits; }
