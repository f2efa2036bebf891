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
  uint8_t natural_align = 0xff;
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

// "i64.load16_s" -> 1 (2 bytes); "f64.store" -> 3; "i32.add" -> 0xff.
constexpr uint8_t NaturalAlign(std::string_view name) {
  size_t at = name.find(".load");
  size_t len = 5;
  if (at == std::string_view::npos) {
    at = name.find(".store");
    len = 6;
  }
  if (at == std::string_view::npos) return 0xff;
  std::string_view rest = name.substr(at + len);
  unsigned bits = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') break;
    bits = bits * 10 + unsigned(c - '0');
  }
  if (bits == 0) bits = name.substr(1, 2) == "64" ? 64 : 32;
  uint8_t log = 0;
  while ((8u << log) < bits) ++log;
  return log;
}

constexpr OpSignature Parse(std::string_view name, std::string_view sig) {
  OpSignature out;
  out.natural_align = NaturalAlign(name);
  if (sig == "Special") return out;
  out.special = false;
  if (sig[0] != 'V') {
    out.has_result = true;
    out.result = LetterType(sig[0]);
  }
  for (size_t i = 2; i < sig.size() && out.param_count < 3; ++i) {
    out.params[out.param_count++] = LetterType(sig[i]);
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

}  // namespace signature_internal

inline constexpr std::array<OpSignature, 256> kOneByteSignatures =
    signature_internal::MakeOneByte();
inline constexpr std::array<OpSignature, 18> kFCSignatures = signature_internal::MakeFC();

static_assert(signature_internal::AllWellFormed(kOneByteSignatures),
              "opcodes.def has a signature letter outside I L F D X V");
static_assert(signature_internal::AllWellFormed(kFCSignatures),
              "opcodes.def has a signature letter outside I L F D X V");
static_assert(kOneByteSignatures[0x33].natural_align == 1);  // i64.load16_u
static_assert(kOneByteSignatures[0x37].natural_align == 3);  // i64.store
static_assert(kOneByteSignatures[0x3e].natural_align == 2);  // i64.store32
static_assert(kOneByteSignatures[0x6a].param_count == 2);    // i32.add

}  // namespace shoal::vm
