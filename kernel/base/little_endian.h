// Integers stored little-endian in byte buffers: how Shoal's own wire and
// file formats (page streams, image headers, device frames) hold numbers,
// whatever the host's byte order, at any alignment.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoal {

// Stores the low `bytes` bytes of `value` at `out`, least significant first.
inline void StoreLittleEndian(uint8_t* out, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out[i] = uint8_t(value >> (8 * i));
}

// The `bytes`-byte (at most 8) little-endian integer at `in`.
inline uint64_t LoadLittleEndian(const uint8_t* in, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) value |= uint64_t(in[i]) << (8 * i);
  return value;
}

}  // namespace shoal
