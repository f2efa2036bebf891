// The interpreter's internal code: what the compiler emits and the
// interpreter runs.
//
// Code is a sequence of 64-bit words per function. An instruction is one word
// naming its handler followed by its immediates. The compiler writes handler
// numbers (IOp); the handler table turns them into handler addresses for
// direct threading.
//
// Register form: an instruction names its operands as frame slots (params,
// then locals, then the operand stack), so a local is read in place and a
// result is written straight to its destination. Slot numbers are fixed at
// compile time because the Wasm operand stack's height is static. Up to three
// slot numbers travel packed in one word (PackSlots): field 0 is the
// destination when the instruction has a result.
//
// Every instruction records the Wasm byte offset it came from (pc_map), so a
// trap names the Wasm position, and the positions where execution can stop
// (function entry, loop headers, calls) are the safepoints a snapshot names.
// At a safepoint every operand-stack value sits in its own slot: the compiler
// keeps values in locals or constants only within straight-line code.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/vm/types.h"

namespace shoal::vm {

// Binary operators that also come with their right operand as an immediate
// (`_imm`, after a constant): the constant needs no slot and no dispatch.
#define SHOAL_FUSED_BINOPS(X)                                                                      \
  X(i32_add)                                                                                       \
  X(i32_sub)                                                                                       \
  X(i32_mul)                                                                                       \
  X(i32_and)                                                                                       \
  X(i32_or) X(i32_xor) X(i32_shl) X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr) X(i32_eq)      \
      X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s) X(i32_gt_u) X(i32_le_s) X(i32_le_u)            \
          X(i32_ge_s) X(i32_ge_u) X(i32_div_s) X(i32_div_u) X(i32_rem_s) X(i32_rem_u) X(i64_add)   \
              X(i64_sub) X(i64_mul) X(i64_and) X(i64_or) X(i64_xor) X(i64_shl) X(i64_shr_s)        \
                  X(i64_shr_u) X(i64_rotl) X(i64_rotr) X(i64_eq) X(i64_ne) X(i64_lt_s) X(i64_lt_u) \
                      X(i64_gt_s) X(i64_gt_u) X(i64_le_s) X(i64_le_u) X(i64_ge_s) X(i64_ge_u)      \
                          X(i64_div_s) X(i64_div_u) X(i64_rem_s) X(i64_rem_u) X(f32_add)           \
                              X(f32_sub) X(f32_mul) X(f32_div) X(f32_min) X(f32_max) X(f64_add)    \
                                  X(f64_sub) X(f64_mul) X(f64_div) X(f64_min) X(f64_max)

// Of those, the ones whose operands may swap, so that a constant on the left
// can become the immediate too. (Not floats: with two NaN operands, the
// result's payload may depend on the order.)
#define SHOAL_COMMUTATIVE_BINOPS(X)                                                              \
  X(i32_add)                                                                                     \
  X(i32_mul)                                                                                     \
  X(i32_and)                                                                                     \
  X(i32_or)                                                                                      \
  X(i32_xor) X(i32_eq) X(i32_ne) X(i64_add) X(i64_mul) X(i64_and) X(i64_or) X(i64_xor) X(i64_eq) \
      X(i64_ne)

// i32 comparisons that fuse with the conditional jump after them: (name, the
// comparison that is true exactly when this one is false, C++ operator, slot
// field). `i32.lt_s; br_if` becomes one kJumpIf_i32_lt_s, and `i32.lt_s; if`
// a kJumpIf_i32_ge_s over the then-branch.
#define SHOAL_JUMP_COMPARES(X)   \
  X(i32_eq, i32_ne, ==, u32)     \
  X(i32_ne, i32_eq, !=, u32)     \
  X(i32_lt_s, i32_ge_s, <, i32)  \
  X(i32_lt_u, i32_ge_u, <, u32)  \
  X(i32_gt_s, i32_le_s, >, i32)  \
  X(i32_gt_u, i32_le_u, >, u32)  \
  X(i32_le_s, i32_gt_s, <=, i32) \
  X(i32_le_u, i32_gt_u, <=, u32) \
  X(i32_ge_s, i32_lt_s, >=, i32) \
  X(i32_ge_u, i32_lt_u, >=, u32)

// Loads: (name, value type, memory type, slot field). Each also comes as
// `_at`, fused with the `i32.add_imm` that computed its address:
// [slots(dst, base), addend, offset] reads at u32(base + addend) + offset,
// exactly what the two instructions did, in one dispatch.
#define SHOAL_LOADS(X)                     \
  X(i32_load, uint32_t, uint32_t, u32)     \
  X(i64_load, uint64_t, uint64_t, u64)     \
  X(f32_load, uint32_t, uint32_t, u32)     \
  X(f64_load, uint64_t, uint64_t, u64)     \
  X(i32_load8_s, int32_t, int8_t, i32)     \
  X(i32_load8_u, uint32_t, uint8_t, u32)   \
  X(i32_load16_s, int32_t, int16_t, i32)   \
  X(i32_load16_u, uint32_t, uint16_t, u32) \
  X(i64_load8_s, int64_t, int8_t, i64)     \
  X(i64_load8_u, uint64_t, uint8_t, u64)   \
  X(i64_load16_s, int64_t, int16_t, i64)   \
  X(i64_load16_u, uint64_t, uint16_t, u64) \
  X(i64_load32_s, int64_t, int32_t, i64)   \
  X(i64_load32_u, uint64_t, uint32_t, u64)

// Internal operations: every numeric Wasm instruction keeps its name (its
// operands in one PackSlots word: destination, then inputs in stack order);
// the rest are the control and data-movement forms the compiler lowers to.
// `slots(a, b, c)` below is one PackSlots word.
enum class IOp : uint16_t {
#define OP(ident, name, code, imm, sig) k_##ident,
#define OP_FC(ident, name, code, imm, sig) k_##ident,
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
// SIMD: [slots(dst, operands...)], then for memory instructions [offset,
// access size], then a lane index or 16 immediate bytes (two words).
// v128.bitselect has its third operand in a second slots word.
#define OP_FD(ident, name, code, imm, sig) k_##ident,
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
  kFuel,           // Charge one unit of fuel (function entry, loop header).
  kJump,           // [target]
  kJumpIfZero,     // [slots(cond), target]
  kJumpIfNonZero,  // [slots(cond), target]
  kBr,             // [target, slots(dst, src), count]: move `count` slots, jump.
                   // Target kReturnTarget: the results are now at fp[0]; return.
  kBrIf,           // [slots(cond), then kBr's three words]
  kBrTable,        // [slots(index), n, then n+1 times kBr's three words]
  kReturn,         // [slots(src)]: results from fp[src...] to fp[0...]; return.
  kCall,           // [func index, first arg slot]: results replace the args.
  kCallIndirect,   // [type index, table index, slots(element), first arg slot]
  kConst,          // [slots(dst), bits]
  kCopy,           // [slots(dst, src)]
  kCopy2,          // [slots(dst, src)]: a two-slot value (v128).
  kCallDirect,     // [CompiledFunction*, first arg slot]: a call within the module.
  kSelect2,        // select of a v128: as k_select.
  kGlobalGet2,     // global.get of a v128: as k_global_get.
  kGlobalSet2,     // global.set of a v128: as k_global_set.
#define FUSED(op) k_##op##_imm,
  SHOAL_FUSED_BINOPS(FUSED)
#undef FUSED
// kJumpIf_<cmp>: [slots(a, b), target]; kJumpIf_<cmp>_imm: [slots(a), b, target].
#define JUMP_IF(op, negated, cpp_op, field) kJumpIf_##op, kJumpIf_##op##_imm,
      SHOAL_JUMP_COMPARES(JUMP_IF)
#undef JUMP_IF
#define LOAD_AT(op, value_t, memory_t, field) k_##op##_at,
          SHOAL_LOADS(LOAD_AT)
#undef LOAD_AT
              kCount,
};

// The branch target that means "return from the function".
inline constexpr uint64_t kReturnTarget = UINT32_MAX;

// Slot numbers are 21-bit fields, three to a word. A function whose frame
// needs more slots is refused by the compiler (kNotSupported).
inline constexpr uint32_t kSlotFieldBits = 21;
inline constexpr uint32_t kMaxFrameSlots = 1u << kSlotFieldBits;
constexpr uint64_t PackSlots(uint64_t f0, uint64_t f1 = 0, uint64_t f2 = 0) {
  return f0 | f1 << kSlotFieldBits | f2 << (2 * kSlotFieldBits);
}
constexpr uint32_t SlotField(uint64_t word, int field) {
  return uint32_t(word >> (field * kSlotFieldBits)) & (kMaxFrameSlots - 1);
}

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
  // At a safepoint: the Wasm operand stack's types there, as a node of the
  // function's stack_type_nodes (0: empty). See CompiledFunction. 24 bits,
  // in what would be the entry's padding; `kind` stays a plain byte, so the
  // interpreter reads it as before.
  uint8_t stack_types_high = 0;
  uint16_t stack_types_low = 0;

  uint32_t stack_types() const { return uint32_t(stack_types_high) << 16 | stack_types_low; }
  void set_stack_types(uint32_t node) {
    stack_types_high = uint8_t(node >> 16);
    stack_types_low = uint16_t(node);
  }
};
static_assert(sizeof(PcMapEntry) == 12, "the types index lives in the entry's padding");

// The most stack-type nodes one function may have (24-bit indexes).
inline constexpr uint32_t kMaxStackTypeNodes = 1u << 24;

// One compiled function.
//
// Frame layout: params, then declared locals, each in its own slot(s) in
// index order from slot 0; the operand stack from `operand_base` up. At every
// safepoint each operand has its own slot(s), bottom first, so a safepoint's
// stack types (pc_map) say where every value is; a snapshot converts between
// this layout and the Wasm-level frames of snapshot.h.
//
// Calls: the callee's frame starts at the caller's first argument slot, so
// its params are the caller's arguments in place, and its results come back
// to the same slots (replacing the arguments).
struct CompiledFunction {
  uint32_t func_index = 0;  // In the module's function index space.
  uint32_t param_slots = 0;
  uint32_t local_slots = 0;  // Declared locals, excluding params.
  uint32_t result_slots = 0;
  uint32_t max_height = 0;  // Most slots the frame ever uses, params included.
  std::vector<CodeWord> code;
  std::vector<PcMapEntry> pc_map;  // Sorted by pc.
  // Words of kCallDirect instructions that hold a function index until
  // CompileModule links them to the callee's CompiledFunction.
  std::vector<uint32_t> direct_calls;

  // For snapshots (snapshot_thread.cc) only; kept after what the interpreter
  // reads. First operand-stack slot: param_slots + local_slots, plus any
  // padding CompileOptions asks for.
  uint32_t operand_base = 0;
  // Operand-stack types at safepoints, as a tree of shared prefixes: node n
  // (from 1) is `parent << 8 | uint8_t(type)`, the stack of node `parent`
  // (0: the empty stack) with `type` pushed on top. Safepoints whose stacks
  // share a bottom share its nodes, so the table costs 4 bytes per distinct
  // prefix, and nothing for a function whose safepoints all have empty stacks.
  std::vector<uint32_t> stack_type_nodes;

  // The Wasm offset of the instruction at `pc` (or the nearest before it).
  uint32_t WasmOffset(uint32_t pc) const;
  // The pc_map entry of a safepoint, or null if (offset, kind) names none.
  const PcMapEntry* FindSafepoint(uint32_t wasm_offset, SafepointKind kind) const;
  // The pc_map entry of the safepoint at `pc` of kind `kind`, or null.
  const PcMapEntry* SafepointAt(uint32_t pc, SafepointKind kind) const;
  // The operand-stack types of a stack_type_nodes node, bottom first.
  std::vector<ValType> StackTypes(uint32_t node) const;
};

}  // namespace shoal::vm
