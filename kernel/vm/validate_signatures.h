// Operand typing of fixed-signature instructions, computed at compile time
// from the Signature column of opcodes.def.
//
// "I_LL" means: pop i64, i64 (last letter on top), push i32. Instructions marked
// Special are typed by hand in validate_function.cc. Memory instructions also
// get their natural alignment here, derived from the text name, so no opcode
// needs hand-written typing or alignment data.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "kernel/vm/opcodes.h"
#include "kernel/vm/types.h"

namespace shoal::vm {

// The typing of one instruction. `special` instructions leave the rest unset.
struct OpSignature {
  bool special = true;
  uint8_t param_count = 0;
  ValType params[3] = {};
  bool has_result = false;
  ValType result = {};
  // log2 of the access size in bytes for loads and stores; 0xff otherwise.
  // The access size 1 << natural_align is also the number of bytes a memory
  // instruction reads or writes (v128.load8x8_s: 8, v128.load8_lane: 1).
  uint8_t natural_align = 0xff;
  // Lanes of the vector a lane immediate indexes (SIMD Lane and MemLane
  // instructions): a lane index must be below it. 0 otherwise.
  uint8_t lane_count = 0;
  // Value-stack slots the operands and the result take (SlotCount: a v128
  // takes 2), for compilers that track slot heights: i8x16.replace_lane pops 3
  // slots and pushes 2.
  uint8_t param_slots = 0;
  uint8_t result_slots = 0;
};

namespace signature_internal {

// ValType(0) marks a letter opcodes.def should never contain; the tables
// below are checked for it by static_assert.
constexpr ValType LetterType(char c) {
  switch (c) {
    case 'I':
      return ValType::kI32;
    case 'L':
      return ValType::kI64;
    case 'F':
      return ValType::kF32;
    case 'D':
      return ValType::kF64;
    case 'X':
      return ValType::kV128;
  }
  return ValType(0);
}

// Reads the decimal number at the start of `s`; 0 if there is none.
constexpr unsigned LeadingNumber(std::string_view s) {
  unsigned n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    n = n * 10 + unsigned(c - '0');
  }
  return n;
}

// "i64.load16_s" -> 1 (2 bytes); "f64.store" -> 3; "i32.add" -> 0xff.
// SIMD: "v128.load" -> 4; "v128.load8x8_s" -> 3 (8 x 8 bits);
// "v128.load32_zero" -> 2; "v128.store16_lane" -> 1.
constexpr uint8_t NaturalAlign(std::string_view name) {
  size_t at = name.find(".load");
  size_t len = 5;
  if (at == std::string_view::npos) {
    at = name.find(".store");
    len = 6;
  }
  if (at == std::string_view::npos) return 0xff;
  std::string_view rest = name.substr(at + len);
  unsigned bits = LeadingNumber(rest);
  if (size_t x = rest.find('x'); bits != 0 && x != std::string_view::npos) {
    bits *= LeadingNumber(rest.substr(x + 1));  // "8x8": eight 8-bit lanes.
  }
  if (bits == 0) {
    bits = name.substr(0, 4) == "v128" ? 128 : name.substr(1, 2) == "64" ? 64 : 32;
  }
  uint8_t log = 0;
  while ((8u << log) < bits) ++log;
  return log;
}

// Lanes a lane immediate indexes: "i16x8.replace_lane" -> 8,
// "v128.load32_lane" -> 4 (128 / 32); 0 for instructions without one.
constexpr uint8_t LaneCount(std::string_view name) {
  if (name.find("_lane") == std::string_view::npos) return 0;
  if (name.substr(0, 4) == "v128") return uint8_t(16 >> NaturalAlign(name));
  size_t x = name.find('x');
  return uint8_t(LeadingNumber(name.substr(x + 1)));
}

constexpr OpSignature Parse(std::string_view name, std::string_view sig) {
  OpSignature out;
  out.natural_align = NaturalAlign(name);
  out.lane_count = LaneCount(name);
  if (sig == "Special") return out;
  out.special = false;
  auto slots = [](ValType t) -> uint8_t { return t == ValType::kV128 ? 2 : 1; };
  if (sig[0] != 'V') {
    out.has_result = true;
    out.result = LetterType(sig[0]);
    out.result_slots = slots(out.result);
  }
  for (size_t i = 2; i < sig.size() && out.param_count < 3; ++i) {
    out.params[out.param_count] = LetterType(sig[i]);
    out.param_slots += slots(out.params[out.param_count++]);
  }
  return out;
}

constexpr bool WellFormed(const OpSignature& s) {
  if (s.special) return true;
  if (s.has_result && s.result == ValType(0)) return false;
  for (int i = 0; i < s.param_count; ++i) {
    if (s.params[i] == ValType(0)) return false;
  }
  return true;
}

template <size_t N>
constexpr bool AllWellFormed(const std::array<OpSignature, N>& table) {
  for (const OpSignature& s : table) {
    if (!WellFormed(s)) return false;
  }
  return true;
}

constexpr std::array<OpSignature, 256> MakeOneByte() {
  std::array<OpSignature, 256> t{};
#define OP(ident, text, code, imm, sig) t[code] = Parse(text, #sig);
#define OP_FC(ident, text, code, imm, sig)
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
  return t;
}

constexpr std::array<OpSignature, 18> MakeFC() {
  std::array<OpSignature, 18> t{};
#define OP(ident, text, code, imm, sig)
#define OP_FC(ident, text, code, imm, sig) t[code] = Parse(text, #sig);
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
  return t;
}

constexpr std::array<OpSignature, kFDTableSize> MakeFD() {
  std::array<OpSignature, kFDTableSize> t{};
#define OP_FD(ident, text, code, imm, sig) t[code] = Parse(text, #sig);
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
  return t;
}

}  // namespace signature_internal

inline constexpr std::array<OpSignature, 256> kOneByteSignatures =
    signature_internal::MakeOneByte();
inline constexpr std::array<OpSignature, 18> kFCSignatures = signature_internal::MakeFC();
// Indexed by SIMD sub-opcode; unassigned entries are `special` (never used:
// the validator rejects unassigned sub-opcodes first).
inline constexpr std::array<OpSignature, kFDTableSize> kFDSignatures = signature_internal::MakeFD();

static_assert(signature_internal::AllWellFormed(kOneByteSignatures),
              "opcodes.def has a signature letter outside I L F D X V");
static_assert(signature_internal::AllWellFormed(kFCSignatures),
              "opcodes.def has a signature letter outside I L F D X V");
static_assert(signature_internal::AllWellFormed(kFDSignatures),
              "simd_opcodes.def has a signature letter outside I L F D X V");
static_assert(kOneByteSignatures[0x33].natural_align == 1);  // i64.load16_u
static_assert(kOneByteSignatures[0x37].natural_align == 3);  // i64.store
static_assert(kOneByteSignatures[0x3e].natural_align == 2);  // i64.store32
static_assert(kOneByteSignatures[0x6a].param_count == 2);    // i32.add
static_assert(kOneByteSignatures[0x28].natural_align == 2);  // i32.load
static_assert(kFDSignatures[0x00].natural_align == 4);       // v128.load
static_assert(kFDSignatures[0x01].natural_align == 3);       // v128.load8x8_s
static_assert(kFDSignatures[0x0a].natural_align == 3);       // v128.load64_splat
static_assert(kFDSignatures[0x0b].natural_align == 4);       // v128.store
static_assert(kFDSignatures[0x5c].natural_align == 2);       // v128.load32_zero
static_assert(kFDSignatures[0x59].natural_align == 1);       // v128.store16_lane
static_assert(kFDSignatures[0x54].lane_count == 16);         // v128.load8_lane
static_assert(kFDSignatures[0x5b].lane_count == 2);          // v128.store64_lane
static_assert(kFDSignatures[0x15].lane_count == 16);         // i8x16.extract_lane_s
static_assert(kFDSignatures[0x1a].lane_count == 8);          // i16x8.replace_lane
static_assert(kFDSignatures[0x21].lane_count == 2);          // f64x2.extract_lane
static_assert(kFDSignatures[0x0e].natural_align == 0xff);    // i8x16.swizzle
static_assert(kFDSignatures[0x52].param_count == 3);         // v128.bitselect
static_assert(kFDSignatures[0x52].param_slots == 6);         // v128.bitselect
static_assert(kFDSignatures[0x17].param_slots == 3);         // i8x16.replace_lane
static_assert(kFDSignatures[0x53].result_slots == 1);        // v128.any_true
static_assert(kOneByteSignatures[0x6a].param_slots == 2);    // i32.add

}  // namespace shoal::vm
