// SIMD loads and stores on bytes the caller has already bounds-checked
// (see the calling convention in simd.h). Memory is little-endian; `p` need
// not be aligned.

#include <cstdint>
#include <cstring>

#include "kernel/vm/simd.h"
#include "kernel/vm/simd_lanes.h"

namespace shoal::vm::simd {

using namespace lanes;  // NOLINT(google-build-using-namespace): file-local helpers.

namespace {

template <typename T>
T Read(const uint8_t* p) {
  T x;
  std::memcpy(&x, p, sizeof x);
  return x;
}

// Loads 8 bytes as lanes of T and widens each to W.
template <typename T, typename W>
V128 LoadExtend(const uint8_t* p) {
  Lanes<W> r;
  for (size_t i = 0; i < kCount<W>; ++i) r[i] = W(Read<T>(p + i * sizeof(T)));
  return Join<W>(r);
}

template <typename T>
V128 LoadSplat(const uint8_t* p) {
  Lanes<T> r;
  r.fill(Read<T>(p));
  return Join<T>(r);
}

}  // namespace

V128 v128_load(const uint8_t* p) { return FromBytes(p); }
void v128_store(uint8_t* p, V128 v) { ToBytes(v, p); }

V128 v128_load8x8_s(const uint8_t* p) { return LoadExtend<int8_t, int16_t>(p); }
V128 v128_load8x8_u(const uint8_t* p) { return LoadExtend<uint8_t, uint16_t>(p); }
V128 v128_load16x4_s(const uint8_t* p) { return LoadExtend<int16_t, int32_t>(p); }
V128 v128_load16x4_u(const uint8_t* p) { return LoadExtend<uint16_t, uint32_t>(p); }
V128 v128_load32x2_s(const uint8_t* p) { return LoadExtend<int32_t, int64_t>(p); }
V128 v128_load32x2_u(const uint8_t* p) { return LoadExtend<uint32_t, uint64_t>(p); }

V128 v128_load8_splat(const uint8_t* p) { return LoadSplat<uint8_t>(p); }
V128 v128_load16_splat(const uint8_t* p) { return LoadSplat<uint16_t>(p); }
V128 v128_load32_splat(const uint8_t* p) { return LoadSplat<uint32_t>(p); }
V128 v128_load64_splat(const uint8_t* p) { return LoadSplat<uint64_t>(p); }

V128 v128_load32_zero(const uint8_t* p) { return {Read<uint32_t>(p), 0}; }
V128 v128_load64_zero(const uint8_t* p) { return {Read<uint64_t>(p), 0}; }

V128 v128_load8_lane(const uint8_t* p, V128 v, uint8_t lane) {
  return SetLane<uint8_t>(v, lane, Read<uint8_t>(p));
}
V128 v128_load16_lane(const uint8_t* p, V128 v, uint8_t lane) {
  return SetLane<uint16_t>(v, lane, Read<uint16_t>(p));
}
V128 v128_load32_lane(const uint8_t* p, V128 v, uint8_t lane) {
  return SetLane<uint32_t>(v, lane, Read<uint32_t>(p));
}
V128 v128_load64_lane(const uint8_t* p, V128 v, uint8_t lane) {
  return SetLane<uint64_t>(v, lane, Read<uint64_t>(p));
}

void v128_store8_lane(uint8_t* p, V128 v, uint8_t lane) {
  const uint8_t x = GetLane<uint8_t>(v, lane);
  std::memcpy(p, &x, sizeof x);
}
void v128_store16_lane(uint8_t* p, V128 v, uint8_t lane) {
  const uint16_t x = GetLane<uint16_t>(v, lane);
  std::memcpy(p, &x, sizeof x);
}
void v128_store32_lane(uint8_t* p, V128 v, uint8_t lane) {
  const uint32_t x = GetLane<uint32_t>(v, lane);
  std::memcpy(p, &x, sizeof x);
}
void v128_store64_lane(uint8_t* p, V128 v, uint8_t lane) {
  const uint64_t x = GetLane<uint64_t>(v, lane);
  std::memcpy(p, &x, sizeof x);
}

}  // namespace shoal::vm::simd
