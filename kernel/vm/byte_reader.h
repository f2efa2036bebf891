// ByteReader: bounds-checked reading of WebAssembly binary encodings.
//
// Errors are sticky: the first failed read records a message and the offset
// where it happened, every later read fails, and the caller checks ok() (or
// the bool each Read returns) at convenient points. This keeps decoding code
// linear while guaranteeing that no read ever runs past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace shoal::vm {

class ByteReader {
 public:
  // `base_offset` is the module offset of data[0]; offsets reported by
  // offset() and in errors are module offsets.
  explicit ByteReader(std::span<const uint8_t> data, uint32_t base_offset = 0)
      : data_(data), base_(base_offset) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint32_t error_offset() const { return error_offset_; }
  bool at_end() const { return pos_ >= data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  // Module offset of the next byte.
  uint32_t offset() const { return base_ + uint32_t(pos_); }

  // Records an error at the current offset (only the first error is kept).
  // Always returns false, so callers can `return r.Fail("...")`.
  bool Fail(std::string message) { return FailAt(offset(), std::move(message)); }
  bool FailAt(uint32_t module_offset, std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      error_offset_ = module_offset;
    }
    pos_ = data_.size();
    return false;
  }

  bool ReadU8(uint8_t* out) {
    if (!ok()) return false;
    if (pos_ >= data_.size()) return Fail("unexpected end");
    *out = data_[pos_++];
    return true;
  }

  bool PeekU8(uint8_t* out) const {
    if (!ok() || pos_ >= data_.size()) return false;
    *out = data_[pos_];
    return true;
  }

  // Unsigned LEB128 of at most `bits` bits (32 or 64). Rejects encodings that
  // are too long or whose unused bits in the last byte are not zero.
  bool ReadU32(uint32_t* out) {
    uint64_t v;
    if (!ReadUnsigned(32, &v)) return false;
    *out = uint32_t(v);
    return true;
  }
  bool ReadU64(uint64_t* out) { return ReadUnsigned(64, out); }

  // Signed LEB128 of at most `bits` bits; the unused bits of the last byte
  // must be a sign extension.
  bool ReadS32(int32_t* out) {
    int64_t v;
    if (!ReadSigned(32, &v)) return false;
    *out = int32_t(v);
    return true;
  }
  bool ReadS33(int64_t* out) { return ReadSigned(33, out); }
  bool ReadS64(int64_t* out) { return ReadSigned(64, out); }

  bool ReadFixed32(uint32_t* out) { return ReadFixed(out, 4); }
  bool ReadFixed64(uint64_t* out) { return ReadFixed(out, 8); }

  // Returns a view of the next `n` bytes and skips them.
  bool ReadBytes(size_t n, std::span<const uint8_t>* out) {
    if (!ok()) return false;
    if (n > remaining()) return Fail("unexpected end");
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  bool Skip(size_t n) {
    std::span<const uint8_t> ignored;
    return ReadBytes(n, &ignored);
  }

  // A vec(byte) name that must be valid UTF-8.
  bool ReadName(std::string* out);

 private:
  bool ReadFixed(void* out, size_t n) {
    std::span<const uint8_t> bytes;
    if (!ReadBytes(n, &bytes)) return false;
    std::memcpy(out, bytes.data(), n);  // Little-endian hosts only (x86-64, arm64).
    return true;
  }

  bool ReadUnsigned(int bits, uint64_t* out) {
    uint64_t result = 0;
    int shift = 0;
    const int max_bytes = (bits + 6) / 7;
    for (int i = 0; i < max_bytes; ++i) {
      uint8_t b;
      if (!ReadU8(&b)) return false;
      if (i == max_bytes - 1) {
        // The last allowed byte: no continuation, and bits beyond `bits` zero.
        const int used = bits - shift;
        if (b & 0x80) return Fail("integer representation too long");
        if (used < 7 && (b >> used) != 0) return Fail("integer too large");
      }
      result |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *out = result;
        return true;
      }
      shift += 7;
    }
    return Fail("integer representation too long");
  }

  bool ReadSigned(int bits, int64_t* out) {
    int64_t result = 0;
    int shift = 0;
    const int max_bytes = (bits + 6) / 7;
    for (int i = 0; i < max_bytes; ++i) {
      uint8_t b;
      if (!ReadU8(&b)) return false;
      if (i == max_bytes - 1) {
        if (b & 0x80) return Fail("integer representation too long");
        // Bits [used-1, 7) of the last byte must all equal the sign bit.
        const int used = bits - shift;  // 1..7 value bits in this byte.
        if (used < 7) {
          const uint8_t rest = uint8_t(b & 0x7f) >> (used - 1);
          const uint8_t all_ones = uint8_t(0x7f >> (used - 1));
          if (rest != 0 && rest != all_ones) return Fail("integer too large");
        }
      }
      result |= int64_t(uint64_t(b & 0x7f) << shift);
      shift += 7;
      if (!(b & 0x80)) {
        if (shift < 64 && (b & 0x40)) result |= int64_t(~uint64_t(0) << shift);
        *out = result;
        return true;
      }
    }
    return Fail("integer representation too long");
  }

  std::span<const uint8_t> data_;
  uint32_t base_ = 0;
  size_t pos_ = 0;
  std::string error_;
  uint32_t error_offset_ = 0;
};

// True if `bytes` is well-formed UTF-8 (no overlongs, surrogates or values
// above U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

}  // namespace shoal::vm
