// Decoder internals: the decoding state and the small encodings every section
// uses (lengths, names, value and reference types, limits, constant
// expressions). Only the decoder's own files include this header.
//
// All reads go through one ByteReader over the whole module, as the spec's
// reference decoder does: a section's contents are read from the module
// stream and the section's size is checked once the section is done
// ("section size mismatch"). Reading past a section's end therefore never
// reads past the module, and the messages match the spec test suite's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kernel/base/status.h"
#include "kernel/vm/byte_reader.h"
#include "kernel/vm/module.h"

namespace shoal::vm::decoder {

// The state of one DecodeModule() call.
struct Decoding {
  explicit Decoding(std::span<const uint8_t> bytes) : r(bytes) {}

  ByteReader r;
  Module module;
  // kMalformed unless the first error was a non-constant instruction in a
  // constant expression, which the spec classes as a validation error.
  Status status = Status::kMalformed;
  // Context for the error message: the section being decoded ("" outside any
  // section) and, inside the code section, the function index.
  std::string_view section;
  int64_t function = -1;

  // Records a validation (not encoding) error; returns false like Fail().
  bool Invalid(std::string message) {
    if (r.ok()) status = Status::kInvalid;
    return r.Fail(std::move(message));
  }
  bool InvalidAt(uint32_t offset, std::string message) {
    if (r.ok()) status = Status::kInvalid;
    return r.FailAt(offset, std::move(message));
  }
};

// The spec's texts for errors several files raise.
inline constexpr std::string_view kUnexpectedEnd = "unexpected end";
inline constexpr std::string_view kUnexpectedEndInSection = "unexpected end of section or function";
inline constexpr std::string_view kLengthOutOfBounds = "length out of bounds";
inline constexpr std::string_view kSectionSizeMismatch = "section size mismatch";

// A u32 byte length (of a section, a body or a name) that must not exceed
// the bytes left in the module ("length out of bounds").
bool ReadLength(ByteReader& r, uint32_t* out);
// A u32 element count of a vector. Every element takes at least one byte, so
// a count above the bytes left in the module fails now, as reading the
// elements would ("unexpected end"); callers may then reserve() `*out`
// elements without letting a small input allocate much.
bool ReadCount(ByteReader& r, uint32_t* out);
// A name: a length, then that many bytes of valid UTF-8.
bool ReadName(ByteReader& r, std::string* out);
// One byte that must be a value type.
bool ReadValType(ByteReader& r, ValType* out);
// One byte that must be funcref or externref.
bool ReadRefType(ByteReader& r, ValType* out);
bool ReadTableType(ByteReader& r, TableType* out);
bool ReadMemoryType(ByteReader& r, MemoryType* out);
bool ReadGlobalType(ByteReader& r, GlobalType* out);
// A constant expression, including its final `end`. Non-constant
// instructions are reported through Decoding::Invalid().
bool ReadConstExpr(Decoding& d, ConstExpr* out);

}  // namespace shoal::vm::decoder
