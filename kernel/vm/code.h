// The interpreter's internal code: what the compiler emits and the
// interpreter runs.
//
// Code is a sequence of 64-bit words per function. An instruction is one word
// naming its handler followed by its immediates. The compiler writes handler
// numbers (IOp); ThreadCode() turns them into handler addresses for direct
// threading. Operands live on the value stack as 64-bit slots, addressed
// relative to the frame's base (params and locals first).
//
// Every instruction records the Wasm byte offset it came from (pc_map), so a
// trap names the Wasm position, and the positions where execution can stop
// (function entry, loop headers, calls) are the safepoints a snapshot names.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/vm/types.h"

namespace shoal::vm {

// Binary operators that also come fused with their right operand: `_imm`
// takes it from an immediate (after `i32.const`), `_loc` from a local (after
// `local.get`). Saves a dispatch and a stack slot write on the hottest pairs.
#define SHOAL_FUSED_BINOPS(X)                                                                      \
  X(i32_add)                                                                                       \
  X(i32_sub) X(i32_mul) X(i32_and) X(i32_or) X(i32_xor) X(i32_shl) X(i32_shr_s) X(i32_shr_u)       \
      X(i32_eq) X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s) X(i32_gt_u) X(i32_le_s) X(i32_le_u)  \
          X(i32_ge_s) X(i32_ge_u) X(i64_add) X(i64_sub) X(i64_mul) X(i64_and) X(i64_or) X(i64_xor) \
              X(i64_shl) X(i64_shr_s) X(i64_shr_u)

// Internal operations: every numeric Wasm instruction keeps its name; the rest
// are the control and data-movement forms the compiler lowers to.
enum class IOp : uint16_t {
#define OP(ident, name, code, imm, sig) k_##ident,
#define OP_FC(ident, name, code, imm, sig) k_##ident,
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
  // Lowered control flow.
  kFuel,           // Charge one unit of fuel (function entry, loop header).
  kJump,           // [target]
  kJumpIfZero,     // [target]: pops an i32.
  kBrK,            // [target, height, arity]: branch keeping `arity` values.
  kBrIfK,          // [target, height, arity]: pops an i32 condition first.
  kBrTableK,       // [count, then count+1 × (target, height, arity)]
  kReturnK,        // Return from the function (results on top of the stack).
  kCallK,          // [func index]
  kCallIndirectK,  // [type index, table index]
  kConst,          // [bits]
  kJumpIfNonZero,  // [target]: pops an i32 (br_if needing no value moves).
#define FUSED(op) k_##op##_imm, k_##op##_loc,
  SHOAL_FUSED_BINOPS(FUSED)
#undef FUSED
      kCount,
};

// A 64-bit code word: a handler address or an immediate.
union CodeWord {
  const void* handler;
  uint64_t u64;
  int64_t s64;
};

// Where an instruction came from, and whether execution may stop there.
enum class SafepointKind : uint8_t {
  kNone,    // An ordinary instruction.
  kEntry,   // kFuel at function entry.
  kLoop,    // kFuel at a loop header.
  kCall,    // A call instruction (stop before it: a yielding host call).
  kReturn,  // The instruction after a call (where a caller frame resumes).
};

struct PcMapEntry {
  uint32_t pc;           // Index of the instruction's first word.
  uint32_t wasm_offset;  // Byte offset in the module.
  SafepointKind kind;
};

// One compiled function.
struct CompiledFunction {
  uint32_t func_index = 0;  // In the module's function index space.
  uint32_t param_slots = 0;
  uint32_t local_slots = 0;  // Declared locals, excluding params.
  uint32_t result_slots = 0;
  uint32_t max_height = 0;  // Most slots the frame ever uses, params included.
  std::vector<CodeWord> code;
  std::vector<PcMapEntry> pc_map;  // Sorted by pc.

  // The Wasm offset of the instruction at `pc` (or the nearest before it).
  uint32_t WasmOffset(uint32_t pc) const;
  // The pc of a safepoint, or UINT32_MAX if (offset, kind) names none.
  uint32_t SafepointPc(uint32_t wasm_offset, SafepointKind kind) const;
};

}  // namespace shoal::vm
