// Semantics of the fixed-width SIMD instructions (simd_opcodes.def) as pure
// functions over V128 values, one per ident: simd::i32x4_add, ...
//
// Calling convention. Each function's type is chosen by the Immediates and
// Signature columns of its table row: it is the alias Fn_<Immediates>_<Signature>
// below, and the declarations at the end of this file are generated from the
// table with exactly that alias, so a handler generator can rely on it:
//
//   #define OP_FD(ident, text, code, imm, sig) ... simd::ident ... Fn_##imm##_##sig ...
//
// Rules, uniform over the table:
// - Parameters are the operands in stack order (deepest first, top of stack
//   last), then the immediates. Scalars: I is uint32_t, L uint64_t (two's
//   complement bit patterns), F float, D double (passed in vector registers
//   on x86-64 and AArch64, so NaN payloads survive); X is V128.
// - Memory instructions (Mem, MemLane) take, in place of their i32 address
//   operand, a pointer to the effective address (address + offset), which the
//   caller has already bounds-checked for the access size
//   1 << kFDSignatures[sub].natural_align bytes (validate_signatures.h).
//   Neither alignment nor bounds are checked here; `p` may be unaligned.
// - Lane immediates are passed as uint8_t after the operands; the validator
//   guarantees lane < kFDSignatures[sub].lane_count (the functions mask the
//   index anyway, so a bad lane can never address outside the vector).
// - v128.const and i8x16.shuffle take a pointer to their 16 immediate bytes.
// - Nothing traps: every SIMD instruction is total once the memory access is
//   in bounds.
// - Stack effect in slots: kFDSignatures[sub].param_slots / result_slots
//   (a v128 takes two slots).
// - Fn_Mem_X_I and Fn_V128_X_ are the same C++ type (V128(const uint8_t*)):
//   generators that overload on the function type must look at the
//   Immediates column to tell a load from v128.const.
//
// Per (Immediates, Signature) pair, a handler does (a, b, c = operands in
// stack order, x = scalar operand, ea = address operand + memarg offset):
//   None    X_X X_XX X_XXX   push f(a), f(a, b), f(a, b, c)
//   None    I_X              push i32 f(a)
//   None    X_XI             push f(a, i32 count)            (shifts)
//   None    X_I X_L X_F X_D  push f(x)                       (splats)
//   Lane    I_X L_X F_X D_X  push scalar f(a, lane)          (extract_lane)
//   Lane    X_XI X_XL X_XF X_XD  push f(a, x, lane)          (replace_lane)
//   Mem     X_I              push f(mem + ea)                (loads)
//   Mem     V_IX             f(mem + ea, v)                  (v128.store)
//   MemLane X_IX             push f(mem + ea, v, lane)       (load_lane)
//   MemLane V_IX             f(mem + ea, v, lane)            (store_lane)
//   V128    X_               push f(imm16)                   (v128.const)
//   Shuffle X_XX             push f(a, b, imm16)             (i8x16.shuffle)
// tools/spec/simd_check/main.cc is a complete, if slow, instance of this.
//
// Floats follow the spec: arithmetic on NaN yields a quiet NaN whose payload
// comes from an input (arithmetic NaN) or the default NaN (canonical);
// abs, neg, pmin, pmax, splat, extract and replace move bits unchanged.
// Layout is little-endian: lane 0 is the lowest-addressed bytes in memory and
// the low bits of `lo`.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace shoal::vm::simd {

static_assert(std::endian::native == std::endian::little, "V128 lane layout assumes little-endian");

// A 128-bit vector: the bits of a v128 value, lane 0 in the low bits of lo.
// Same layout as two consecutive value-stack slots (lo first) and as
// Value::V128(lo, hi).
struct V128 {
  uint64_t lo = 0;
  uint64_t hi = 0;

  bool operator==(const V128&) const = default;
};

// The 16 bytes at `p` as a vector (lane 0 first).
inline V128 FromBytes(const uint8_t* p) {
  V128 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void ToBytes(V128 v, uint8_t* p) { std::memcpy(p, &v, sizeof v); }

// Lane `i` of `v` viewed as lanes of type T (uint8_t ... double); i masked.
template <typename T>
T GetLane(V128 v, unsigned i) {
  T out;
  std::memcpy(&out, reinterpret_cast<const uint8_t*>(&v) + (i % (16 / sizeof(T))) * sizeof(T),
              sizeof(T));
  return out;
}
template <typename T>
V128 SetLane(V128 v, unsigned i, T x) {
  std::memcpy(reinterpret_cast<uint8_t*>(&v) + (i % (16 / sizeof(T))) * sizeof(T), &x, sizeof(T));
  return v;
}

// Function types by (Immediates, Signature); see the calling convention above.
using Fn_None_X_X = V128(V128 a);
using Fn_None_X_XX = V128(V128 a, V128 b);
using Fn_None_X_XXX = V128(V128 a, V128 b, V128 c);  // v128.bitselect: c is the mask.
using Fn_None_I_X = uint32_t(V128 a);                // any_true, all_true, bitmask.
using Fn_None_X_XI = V128(V128 a, uint32_t count);   // Shifts; count is taken mod lane bits.
using Fn_None_X_I = V128(uint32_t x);                // Splats.
using Fn_None_X_L = V128(uint64_t x);
using Fn_None_X_F = V128(float x);
using Fn_None_X_D = V128(double x);
using Fn_Lane_I_X = uint32_t(V128 a, uint8_t lane);  // extract_lane (_s sign-extends).
using Fn_Lane_L_X = uint64_t(V128 a, uint8_t lane);
using Fn_Lane_F_X = float(V128 a, uint8_t lane);
using Fn_Lane_D_X = double(V128 a, uint8_t lane);
using Fn_Lane_X_XI = V128(V128 a, uint32_t x, uint8_t lane);  // replace_lane.
using Fn_Lane_X_XL = V128(V128 a, uint64_t x, uint8_t lane);
using Fn_Lane_X_XF = V128(V128 a, float x, uint8_t lane);
using Fn_Lane_X_XD = V128(V128 a, double x, uint8_t lane);
using Fn_Mem_X_I = V128(const uint8_t* p);                             // Loads.
using Fn_Mem_V_IX = void(uint8_t* p, V128 v);                          // v128.store.
using Fn_MemLane_X_IX = V128(const uint8_t* p, V128 v, uint8_t lane);  // load_lane.
using Fn_MemLane_V_IX = void(uint8_t* p, V128 v, uint8_t lane);        // store_lane.
using Fn_V128_X_ = V128(const uint8_t* imm);                           // v128.const.
using Fn_Shuffle_X_XX = V128(V128 a, V128 b, const uint8_t* lanes);    // i8x16.shuffle.

// One declaration per instruction, e.g. `V128 i32x4_add(V128 a, V128 b);`,
// defined in simd_integer.cc, simd_float.cc, simd_vector.cc, simd_memory.cc.
// TODO(perf): these are portable lane loops called out of line; the compiler
// vectorizes most of them, but hot ones could move inline or to intrinsics.
#define OP_FD(ident, text, code, imm, sig) Fn_##imm##_##sig ident;
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD

}  // namespace shoal::vm::simd
