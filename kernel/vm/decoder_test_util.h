// Test helpers for the decoder tests: assembling modules from sections by
// hand, so tests need no external tools at run time.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "kernel/vm/decoder.h"

namespace shoal::vm::decoder_testing {

using Bytes = std::vector<uint8_t>;

// Assembles a module from sections, computing each section's size, and
// remembers where sections end (the prefixes that are whole modules).
class ModuleBuilder {
 public:
  ModuleBuilder() : bytes_{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00} {
    boundaries_.push_back(bytes_.size());
  }

  ModuleBuilder& Section(uint8_t id, const Bytes& contents) {
    bytes_.push_back(id);
    AppendU32(uint32_t(contents.size()));
    bytes_.insert(bytes_.end(), contents.begin(), contents.end());
    boundaries_.push_back(bytes_.size());
    return *this;
  }
  // Appends bytes as they are (for hand-made broken sections).
  ModuleBuilder& Raw(const Bytes& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
  }

  const Bytes& bytes() const { return bytes_; }
  const std::vector<size_t>& boundaries() const { return boundaries_; }

 private:
  void AppendU32(uint32_t v) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      if (v) b |= 0x80;
      bytes_.push_back(b);
    } while (v);
  }

  Bytes bytes_;
  std::vector<size_t> boundaries_;
};

// Concatenates byte groups, so tests can annotate each part.
inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Section ids.
inline constexpr uint8_t kCustom = 0, kType = 1, kImport = 2, kFunction = 3, kTable = 4,
                         kMemory = 5, kGlobal = 6, kExport = 7, kStart = 8, kElement = 9,
                         kCode = 10, kData = 11, kDataCount = 12;

inline const Bytes kOneVoidType = {0x01, 0x60, 0x00, 0x00};   // type 0: [] -> []
inline const Bytes kOneFunction = {0x01, 0x00};               // function 0 has type 0
inline const Bytes kOneEmptyBody = {0x01, 0x02, 0x00, 0x0b};  // no locals, `end`

inline Result<Module> Decode(const ModuleBuilder& b) { return DecodeModule(b.bytes()); }

// Expects a failure with `status` whose message starts with `text`.
inline void ExpectError(const Result<Module>& result, Status status, const std::string& text) {
  ASSERT_FALSE(result.ok()) << "expected: " << text;
  EXPECT_EQ(result.error().status, status) << result.error().message;
  EXPECT_EQ(result.error().message.rfind(text, 0), 0u) << result.error().message;
}
inline void ExpectMalformed(const Result<Module>& result, const std::string& text) {
  ExpectError(result, Status::kMalformed, text);
}

// A valid module using every section kind: two types, one imported and two
// defined functions (function 2 is named "run"), a table, a memory, a global,
// an export, a start function, an element segment, a data count, code, data
// and a name section.
inline ModuleBuilder RichModule() {
  ModuleBuilder b;
  b.Section(kType, {0x02, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d})
      .Section(kImport, Cat({{0x01}, {0x01, 'm'}, {0x01, 'f'}, {0x00, 0x01}}))
      .Section(kFunction, {0x02, 0x00, 0x01})
      .Section(kTable, {0x01, 0x70, 0x01, 0x01, 0x10})
      .Section(kMemory, {0x01, 0x00, 0x01})
      .Section(kGlobal, {0x01, 0x7f, 0x01, 0x41, 0x2a, 0x0b})
      .Section(kExport, Cat({{0x01}, {0x03, 'r', 'u', 'n'}, {0x00, 0x01}}))
      .Section(kStart, {0x01})
      .Section(kElement, {0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x01})
      .Section(kDataCount, {0x01})
      .Section(kCode, Cat({{0x02}, {0x02, 0x00, 0x0b}, {0x06, 0x01, 0x02, 0x7f, 0x41, 0x00, 0x0b}}))
      .Section(kData, Cat({{0x01}, {0x00, 0x41, 0x08, 0x0b}, {0x02, 'h', 'i'}}))
      .Section(kCustom,
               Cat({{0x04, 'n', 'a', 'm', 'e'}, {0x01, 0x06, 0x01, 0x02, 0x03, 'r', 'u', 'n'}}));
  return b;
}

}  // namespace shoal::vm::decoder_testing
