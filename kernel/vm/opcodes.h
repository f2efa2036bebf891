// Opcode numbering and per-instruction facts generated from opcodes.def.
#pragma once

#include <cstdint>
#include <string_view>

namespace shoal::vm {

// One-byte opcodes.
enum class Op : uint8_t {
#define OP(ident, name, code, imm, sig) k_##ident = code,
#define OP_FC(ident, name, code, imm, sig)
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
};

inline constexpr uint8_t kPrefixFC = 0xfc;
inline constexpr uint8_t kPrefixFD = 0xfd;

// Sub-opcodes after the 0xFC prefix (encoded as u32 LEB128).
enum class OpFC : uint32_t {
#define OP(ident, name, code, imm, sig)
#define OP_FC(ident, name, code, imm, sig) k_##ident = code,
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
};

// Sub-opcodes after the 0xFD prefix (encoded as u32 LEB128): fixed-width SIMD.
enum class OpFD : uint32_t {
#define OP_FD(ident, name, code, imm, sig) k_##ident = code,
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
};

// Number of entries in the SIMD sub-opcode space that are or could be
// assigned (0x00..0xff); 236 of them are instructions.
inline constexpr uint32_t kFDTableSize = 256;

// The immediate encodings named in opcodes.def.
enum class ImmKind : uint8_t {
  kNone,          // Nothing.
  kBlock,         // Block type: 0x40, a value type, or an s33 type index.
  kLabel,         // u32 label depth.
  kBrTable,       // vec(u32) labels, then u32 default label.
  kFunc,          // u32 function index.
  kCallIndirect,  // u32 type index, u32 table index.
  kSelectT,       // vec(valtype), which must have length 1.
  kLocal,         // u32 local index.
  kGlobal,        // u32 global index.
  kTable,         // u32 table index.
  kMem,           // u32 alignment exponent, u32 offset.
  kMemIdx,        // One 0x00 byte (memory index 0).
  kI32,           // s32 LEB128.
  kI64,           // s64 LEB128.
  kF32,           // 4 bytes little-endian.
  kF64,           // 8 bytes little-endian.
  kRefType,       // One byte: 0x70 or 0x6f.
  kMemInit,       // u32 data index, then 0x00.
  kData,          // u32 data index.
  kMemCopy,       // 0x00 0x00.
  kTableInit,     // u32 element index, u32 table index.
  kElem,          // u32 element index.
  kTableCopy,     // u32 destination table, u32 source table.
  // SIMD (0xFD) only:
  kMemLane,  // u32 alignment exponent, u32 offset, then one lane-index byte.
  kLane,     // One lane-index byte.
  kV128,     // 16 bytes: the constant, lane 0 first (little-endian).
  kShuffle,  // 16 lane-index bytes, each < 32.
};

// Text name of a one-byte opcode ("i32.add"), or empty if unassigned.
std::string_view OpName(uint8_t opcode);
// Text name of a 0xFC sub-opcode, or empty if unassigned.
std::string_view OpFCName(uint32_t sub);
// Text name of a 0xFD (SIMD) sub-opcode, or empty if unassigned.
std::string_view OpFDName(uint32_t sub);
// Immediate kind of a one-byte opcode; false if the opcode is unassigned.
bool OpImmediates(uint8_t opcode, ImmKind* out);
bool OpFCImmediates(uint32_t sub, ImmKind* out);
bool OpFDImmediates(uint32_t sub, ImmKind* out);

}  // namespace shoal::vm
