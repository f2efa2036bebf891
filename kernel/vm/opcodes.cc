#include "kernel/vm/opcodes.h"

#include <array>

namespace shoal::vm {

namespace {

struct OpInfo {
  std::string_view name;
  ImmKind imm = ImmKind::kNone;
};

constexpr std::array<OpInfo, 256> MakeOneByteTable() {
  std::array<OpInfo, 256> t{};
#define OP(ident, text, code, imm, sig) t[code] = {text, ImmKind::k##imm};
#define OP_FC(ident, text, code, imm, sig)
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
  return t;
}

constexpr std::array<OpInfo, 18> MakeFCTable() {
  std::array<OpInfo, 18> t{};
#define OP(ident, text, code, imm, sig)
#define OP_FC(ident, text, code, imm, sig) t[code] = {text, ImmKind::k##imm};
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
  return t;
}

constexpr std::array<OpInfo, kFDTableSize> MakeFDTable() {
  std::array<OpInfo, kFDTableSize> t{};
#define OP_FD(ident, text, code, imm, sig) t[code] = {text, ImmKind::k##imm};
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
  return t;
}

constexpr auto kOneByte = MakeOneByteTable();
constexpr auto kFC = MakeFCTable();
constexpr auto kFD = MakeFDTable();

}  // namespace

std::string_view OpName(uint8_t opcode) { return kOneByte[opcode].name; }

std::string_view OpFCName(uint32_t sub) { return sub < kFC.size() ? kFC[sub].name : ""; }

std::string_view OpFDName(uint32_t sub) { return sub < kFD.size() ? kFD[sub].name : ""; }

bool OpImmediates(uint8_t opcode, ImmKind* out) {
  if (kOneByte[opcode].name.empty()) return false;
  *out = kOneByte[opcode].imm;
  return true;
}

bool OpFCImmediates(uint32_t sub, ImmKind* out) {
  if (sub >= kFC.size() || kFC[sub].name.empty()) return false;
  *out = kFC[sub].imm;
  return true;
}

bool OpFDImmediates(uint32_t sub, ImmKind* out) {
  if (sub >= kFD.size() || kFD[sub].name.empty()) return false;
  *out = kFD[sub].imm;
  return true;
}

}  // namespace shoal::vm
