// FunctionCompiler: lowers one validated function body to register-form
// internal code (code.h).
//
// The compiler mirrors the Wasm operand stack at compile time. Each entry
// knows where its value is: already in its own stack slot, still in a local
// (`local.get` emits nothing), or a constant (`i32.const` emits nothing). An
// instruction names its operands where they are, so `local.get a; local.get b;
// i32.add; local.set c` becomes one instruction, `c = a + b`. Values wait in
// locals and constants only within straight-line code: before any control
// instruction or call every entry is written to its own slot (Flush), so the
// stack layout at every branch target and safepoint is the plain one, and a
// snapshot never needs to know what the compiler deferred.
//
// The compiler also tracks each entry's Wasm type, so that it can record, at
// every safepoint, the types of the operand stack there (stack_type_nodes in
// code.h): what a snapshot needs to read the frame as Wasm values.
//
// Structured control flow becomes jumps with precomputed targets and value
// moves, so the interpreter never searches for a block's end. Code after an
// unconditional branch is unreachable and is skipped up to the end of its
// block. Validation has already established that the types line up.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/byte_reader.h"
#include "kernel/vm/code.h"
#include "kernel/vm/compiler.h"
#include "kernel/vm/interpreter.h"
#include "kernel/vm/module.h"
#include "kernel/vm/opcodes.h"

namespace shoal::vm {

class FunctionCompiler {
 public:
  FunctionCompiler(const Module& m, const FunctionBody& body, uint32_t func_index,
                   const HandlerTable& handlers, CompileOptions options = {});

  Result<CompiledFunction> Compile();

 private:
  // Where a compile-time stack entry's value is.
  enum class Where : uint8_t {
    kSlot,   // In its own slot, `pos`.
    kLocal,  // Still in local slot `local` (a deferred local.get).
    kConst,  // The constant `bits` (a deferred *.const).
  };
  struct Entry {
    Where where;
    uint8_t width;  // Slots: 2 for v128, else 1.
    ValType type;
    uint32_t pos;  // The slot the value occupies once written out.
    uint32_t local;
    // The stack_type_nodes node of the stack up to this entry, once a
    // safepoint has needed it; kNoNode before.
    uint32_t node;
    uint64_t bits;
  };
  static constexpr uint32_t kNoNode = UINT32_MAX;

  enum class BlockKind : uint8_t { kFunction, kBlock, kLoop, kIf, kElse };

  // A block's parameter and result types.
  struct BlockSig {
    std::span<const ValType> params;
    std::span<const ValType> results;
    uint32_t param_slots() const;
    uint32_t result_slots() const;
  };

  struct Label {
    BlockKind kind;
    uint32_t base;  // Slot of the block's first parameter.
    BlockSig sig;
    uint32_t loop_pc;                  // kLoop: branch target.
    uint32_t else_fixup;               // kIf: word to patch with the else/end pc.
    std::vector<uint32_t> end_fixups;  // Words to patch with the end pc.
    // Slots a branch to this label carries: params for a loop, else results.
    uint32_t arity() const {
      return kind == BlockKind::kLoop ? sig.param_slots() : sig.result_slots();
    }
  };

  // ---- Emission --------------------------------------------------------------
  void Emit(IOp op, SafepointKind kind = SafepointKind::kNone);
  // The stack_type_nodes node of the bottom `count` entries of the operand
  // stack, with `extra` pushed on top if given.
  uint32_t StackTypesNode(size_t count, std::optional<ValType> extra = std::nullopt);
  uint32_t ChildNode(uint32_t parent, ValType type);
  uint32_t Imm(uint64_t v);
  uint32_t pc() const { return uint32_t(out_.code.size()); }
  // Marks the current pc as a branch target: no rewrite may reach across it.
  void Fence() { fence_ = pc(); }
  // True if the last instruction emitted was `op` and nothing can jump
  // between it and the next one.
  bool Follows(IOp op) const { return prev_op_ == op && prev_pc_ >= fence_ && prev_pc_ < pc(); }
  // Records that the last instruction wrote its result to `pos` through
  // field 0 of its first immediate, so a local.set may retarget it.
  void MarkResult(uint32_t pos) { result_pos_ = pos, result_pc_ = prev_pc_; }

  // ---- The compile-time operand stack ----------------------------------------
  void PushSlot(ValType type);
  void PushLocal(uint32_t local);
  void PushConst(ValType type, uint64_t bits);
  Entry Pop();
  // The slot holding `e`'s value, writing a constant out to its slot first.
  uint32_t SlotOf(const Entry& e);
  // Writes every deferred entry out to its own slot.
  void Flush();
  // Writes out the deferred entries that read `local` (before it changes).
  void FlushReadersOf(uint32_t local);
  void Materialize(Entry& e);

  // ---- Instructions ----------------------------------------------------------
  bool ReadBlockSig(BlockSig* sig);
  void EmitTarget(Label& l);
  bool CompileBranch(uint32_t depth);
  bool CompileBranchIf(uint32_t depth);
  // If `cond` is the result of the comparison just emitted, replaces that
  // comparison by a compare-and-jump that jumps when the condition is true
  // (or, with `negate`, false). The caller appends the target word.
  bool EmitFusedJump(const Entry& cond, bool negate);
  bool CompileBranchTable();
  void CompileReturn();
  void CompileCall(const FuncType& type, IOp op, uint64_t imm0, uint64_t imm1,
                   const Entry* element);
  void EndBlock();
  bool SkipImmediates(ImmKind imm);
  void CompileLocalSet(uint32_t local, bool tee);
  // A load whose address is the result of the `i32.add_imm` just emitted
  // becomes one `_at` load; false (nothing emitted) otherwise.
  bool CompileLoadAt(IOp load, ValType result, uint32_t offset);
  // `result`: the type pushed, if any.
  void CompileSimple(IOp op, uint8_t pops, std::optional<ValType> result);
  void CompileBinary(IOp op, IOp imm_form, ValType result, bool commutative);
  bool CompileNumeric(uint8_t op);
  bool CompileFC();
  bool CompileFD();
  VoidResult Fail(const std::string& what);

  uint8_t LocalWidth(uint32_t local) const;
  uint32_t LocalSlot(uint32_t local) const { return local_slots_[local]; }
  void Grow(uint32_t height);

  const Module& m_;
  const FunctionBody& body_;
  const HandlerTable& handlers_;
  const CompileOptions options_;
  ByteReader r_;
  CompiledFunction out_;
  std::vector<ValType> local_types_;   // Params, then declared locals.
  std::vector<uint32_t> local_slots_;  // First slot of each local.
  std::vector<Entry> stack_;
  std::vector<Label> labels_;
  // stack_type_nodes by (parent << 8 | type), so equal stacks share nodes;
  // filled only once a function has many nodes (a scan finds few faster).
  std::unordered_map<uint32_t, uint32_t> nodes_;
  uint32_t height_ = 0;  // Slots in use: locals, then the operand stack.
  uint32_t instr_offset_ = 0;
  IOp prev_op_ = IOp::kCount;
  uint32_t prev_pc_ = 0;
  uint32_t fence_ = 0;
  uint32_t result_pos_ = UINT32_MAX;
  uint32_t result_pc_ = UINT32_MAX;
  bool too_large_ = false;
  bool unreachable_ = false;
  // Nesting depth of blocks opened inside unreachable code.
  uint32_t skip_depth_ = 0;
};

}  // namespace shoal::vm
