// Lowers validated Wasm function bodies to internal code (code.h).
//
// Structured control flow becomes jumps with precomputed targets and stack
// adjustments, so the interpreter never searches for a block's end. The
// compiler tracks only the operand-stack height (in slots); validation has
// already established that the types line up. Code after an unconditional
// branch is unreachable and is skipped up to the end of its block.
#include "kernel/vm/compiler.h"

#include <algorithm>

#include "kernel/vm/byte_reader.h"
#include "kernel/vm/compiled_module.h"
#include "kernel/vm/interpreter.h"
#include "kernel/vm/opcodes.h"

namespace shoal::vm {

uint32_t CompiledFunction::WasmOffset(uint32_t pc) const {
  auto it = std::upper_bound(pc_map.begin(), pc_map.end(), pc,
                             [](uint32_t p, const PcMapEntry& e) { return p < e.pc; });
  if (it == pc_map.begin()) return 0;
  return std::prev(it)->wasm_offset;
}

uint32_t CompiledFunction::SafepointPc(uint32_t wasm_offset, SafepointKind kind) const {
  for (const PcMapEntry& e : pc_map) {
    if (e.wasm_offset == wasm_offset && e.kind == kind) return e.pc;
  }
  return UINT32_MAX;
}

namespace {

// Signature columns of opcodes.def: how many values an op pops and pushes.
struct StackEffect {
  uint8_t pops;
  uint8_t pushes;
};

constexpr StackEffect EffectOf(const char* sig) {
  // "R_PP": R is the result letter (V for none), P are params.
  uint8_t pushes = sig[0] == 'V' ? 0 : 1;
  uint8_t pops = 0;
  for (const char* p = sig + 2; *p; ++p) ++pops;
  return {pops, pushes};
}

enum class BlockKind : uint8_t { kFunction, kBlock, kLoop, kIf, kElse };

struct Label {
  BlockKind kind;
  uint32_t base;  // Height below the block's params.
  uint32_t params;
  uint32_t results;
  uint32_t loop_pc;                  // kLoop: branch target.
  uint32_t else_fixup;               // kIf: word to patch with the else/end pc.
  std::vector<uint32_t> end_fixups;  // Words to patch with the end pc.
};

class FunctionCompiler {
 public:
  FunctionCompiler(const Module& m, const FunctionBody& body, uint32_t func_index,
                   const HandlerTable& handlers)
      : m_(m), body_(body), handlers_(handlers), r_(m.code(body), body.code_offset) {
    out_.func_index = func_index;
    const FuncType& type = m.types[body.type_index];
    out_.param_slots = uint32_t(type.params.size());
    out_.local_slots = uint32_t(body.locals.size());
    out_.result_slots = uint32_t(type.results.size());
  }

  Result<CompiledFunction> Compile();

 private:
  void Emit(IOp op, SafepointKind kind = SafepointKind::kNone) {
    prev_op_ = op;
    prev_pc_ = pc();
    out_.pc_map.push_back({uint32_t(out_.code.size()), instr_offset_, kind});
    CodeWord w;
    w.handler = handlers_[size_t(op)];
    out_.code.push_back(w);
  }
  uint32_t Imm(uint64_t v) {
    CodeWord w;
    w.u64 = v;
    out_.code.push_back(w);
    return uint32_t(out_.code.size() - 1);
  }
  uint32_t pc() const { return uint32_t(out_.code.size()); }
  // Marks the current pc as a branch target: no fusion may reach across it.
  void Fence() { fence_ = pc(); }
  // True if the last instruction emitted was `op` and nothing can jump
  // between it and the next one.
  bool Follows(IOp op) const { return prev_op_ == op && prev_pc_ >= fence_ && prev_pc_ < pc(); }
  // Removes the last instruction emitted, returning its first immediate (0
  // when it has none).
  uint64_t Unemit() {
    const uint64_t imm = prev_pc_ + 1 < pc() ? out_.code[prev_pc_ + 1].u64 : 0;
    out_.code.resize(prev_pc_);
    out_.pc_map.pop_back();
    prev_op_ = IOp::kCount;
    return imm;
  }
  bool EmitFusedBinop(Op op);
  void EmitConst(uint64_t bits) {
    Emit(IOp::kConst);
    Imm(bits);
    Push();
  }
  // Writes a branch's target word: the loop header, UINT32_MAX for the
  // function's label (a return), or a fixup resolved at the block's end.
  void EmitTarget(Label& l) {
    if (l.kind == BlockKind::kLoop) {
      Imm(l.loop_pc);
    } else if (l.kind == BlockKind::kFunction) {
      Imm(UINT32_MAX);
    } else {
      l.end_fixups.push_back(Imm(0));
    }
  }
  // [target, height, arity] of a branch that moves values.
  void EmitTargetWithMoves(Label& l) {
    EmitTarget(l);
    Imm(l.base);
    Imm(l.kind == BlockKind::kLoop ? l.params : l.results);
  }
  void Push(uint32_t n = 1) {
    height_ += n;
    out_.max_height = std::max(out_.max_height, height_);
  }
  void Pop(uint32_t n = 1) { height_ = height_ >= n ? height_ - n : 0; }

  bool ReadBlockType(uint32_t* params, uint32_t* results);
  bool EmitBranch(IOp op, uint32_t depth);
  void EndBlock();
  bool SkipImmediates(ImmKind imm);
  bool CompileFC();
  VoidResult Fail(const std::string& what);

  const Module& m_;
  const FunctionBody& body_;
  const HandlerTable& handlers_;
  ByteReader r_;
  CompiledFunction out_;
  std::vector<Label> labels_;
  uint32_t height_ = 0;
  uint32_t instr_offset_ = 0;
  IOp prev_op_ = IOp::kCount;
  uint32_t prev_pc_ = 0;
  uint32_t fence_ = 0;
  // Nesting depth of blocks opened inside unreachable code (0: reachable when
  // !unreachable_).
  bool unreachable_ = false;
  uint32_t skip_depth_ = 0;
};

VoidResult FunctionCompiler::Fail(const std::string& what) {
  return MakeError(Status::kInternal, "compiler: " + what + " in function " +
                                          std::to_string(out_.func_index) + " at offset " +
                                          std::to_string(instr_offset_));
}

bool FunctionCompiler::ReadBlockType(uint32_t* params, uint32_t* results) {
  uint8_t b;
  if (!r_.PeekU8(&b)) return false;
  if (b == 0x40) {
    r_.ReadU8(&b);
    *params = *results = 0;
    return true;
  }
  if (b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x7b || b == 0x70 || b == 0x6f) {
    r_.ReadU8(&b);
    *params = 0;
    *results = SlotCount(ValType(b));
    return true;
  }
  int64_t index;
  if (!r_.ReadS33(&index) || index < 0 || uint64_t(index) >= m_.types.size()) return false;
  const FuncType& t = m_.types[index];
  *params = 0;
  *results = 0;
  for (ValType v : t.params) *params += SlotCount(v);
  for (ValType v : t.results) *results += SlotCount(v);
  return true;
}

// Emits a branch to the label `depth` levels out: [target, height, arity].
bool FunctionCompiler::EmitBranch(IOp op, uint32_t depth) {
  if (depth >= labels_.size()) return false;
  Label& l = labels_[labels_.size() - 1 - depth];
  const uint32_t arity = l.kind == BlockKind::kLoop ? l.params : l.results;
  if (l.kind != BlockKind::kFunction && height_ == l.base + arity) {
    // The kept values already sit where the label wants them: a plain jump.
    IOp jump = op == IOp::kBrK ? IOp::kJump : IOp::kJumpIfNonZero;
    if (op == IOp::kBrIfK && Follows(IOp::k_i32_eqz)) {
      Unemit();
      jump = IOp::kJumpIfZero;
    }
    Emit(jump);
    EmitTarget(l);
    return true;
  }
  Emit(op);
  EmitTargetWithMoves(l);
  return true;
}

void FunctionCompiler::EndBlock() {
  Label l = std::move(labels_.back());
  labels_.pop_back();
  if (l.kind == BlockKind::kIf) out_.code[l.else_fixup].u64 = pc();
  for (uint32_t fix : l.end_fixups) out_.code[fix].u64 = pc();
  Fence();
  height_ = l.base + l.results;
  out_.max_height = std::max(out_.max_height, height_);
}

bool FunctionCompiler::SkipImmediates(ImmKind imm) {
  uint32_t u;
  int32_t s32;
  int64_t s64;
  uint64_t u64;
  uint8_t b;
  switch (imm) {
    case ImmKind::kNone:
      return true;
    case ImmKind::kBlock: {
      uint32_t p, res;
      return ReadBlockType(&p, &res);
    }
    case ImmKind::kLabel:
    case ImmKind::kFunc:
    case ImmKind::kLocal:
    case ImmKind::kGlobal:
    case ImmKind::kTable:
    case ImmKind::kData:
    case ImmKind::kElem:
      return r_.ReadU32(&u);
    case ImmKind::kBrTable: {
      uint32_t n;
      if (!r_.ReadU32(&n)) return false;
      for (uint64_t i = 0; i <= n; ++i) {
        if (!r_.ReadU32(&u)) return false;
      }
      return true;
    }
    case ImmKind::kCallIndirect:
    case ImmKind::kMem:
    case ImmKind::kTableInit:
    case ImmKind::kTableCopy:
      return r_.ReadU32(&u) && r_.ReadU32(&u);
    case ImmKind::kSelectT: {
      uint32_t n;
      if (!r_.ReadU32(&n)) return false;
      return r_.Skip(n);
    }
    case ImmKind::kMemIdx:
    case ImmKind::kRefType:
      return r_.ReadU8(&b);
    case ImmKind::kI32:
      return r_.ReadS32(&s32);
    case ImmKind::kI64:
      return r_.ReadS64(&s64);
    case ImmKind::kF32:
      return r_.ReadFixed32(&u);
    case ImmKind::kF64:
      return r_.ReadFixed64(&u64);
    case ImmKind::kMemInit:
      return r_.ReadU32(&u) && r_.ReadU8(&b);
    case ImmKind::kMemCopy:
      return r_.ReadU8(&b) && r_.ReadU8(&b);
    case ImmKind::kMemLane:
      return r_.ReadU32(&u) && r_.ReadU32(&u) && r_.ReadU8(&b);
    case ImmKind::kLane:
      return r_.ReadU8(&b);
    case ImmKind::kV128:
    case ImmKind::kShuffle:
      return r_.Skip(16);
  }
  return false;
}

Result<CompiledFunction> FunctionCompiler::Compile() {
  height_ = out_.param_slots + out_.local_slots;
  out_.max_height = height_;
  instr_offset_ = body_.code_offset;
  Emit(IOp::kFuel, SafepointKind::kEntry);
  labels_.push_back(Label{BlockKind::kFunction, 0, 0, out_.result_slots, 0, 0, {}});
  // Results of a function return are taken from the top of the stack, so the
  // function label's base is irrelevant; kReturnK copies them to the frame base.

  while (!labels_.empty()) {
    instr_offset_ = r_.offset();
    uint8_t op;
    if (!r_.ReadU8(&op)) return Fail("unexpected end of code").error();
    if (op == kPrefixFD) {  // TODO(simd): compile SIMD once the interpreter has handlers.
      uint32_t sub = 0;
      r_.ReadU32(&sub);
      return MakeError(Status::kNotSupported, "SIMD instruction " + std::string(OpFDName(sub)) +
                                                  " at offset " + std::to_string(instr_offset_) +
                                                  " is not supported by the interpreter yet");
    }

    if (unreachable_) {
      // Skip to the end (or else) of the innermost reachable block.
      if (op == uint8_t(Op::k_block) || op == uint8_t(Op::k_loop) || op == uint8_t(Op::k_if)) {
        uint32_t p, res;
        if (!ReadBlockType(&p, &res)) return Fail("bad block type").error();
        ++skip_depth_;
        continue;
      }
      if (op == uint8_t(Op::k_end)) {
        if (skip_depth_ > 0) {
          --skip_depth_;
          continue;
        }
        unreachable_ = false;
        // Fall through to the reachable handling of `end`.
      } else if (op == uint8_t(Op::k_else) && skip_depth_ == 0) {
        unreachable_ = false;
        // Fall through to the reachable handling of `else`.
      } else {
        ImmKind imm;
        if (op == kPrefixFC) {
          uint32_t sub;
          if (!r_.ReadU32(&sub) || !OpFCImmediates(sub, &imm)) return Fail("bad 0xFC op").error();
        } else if (!OpImmediates(op, &imm)) {
          return Fail("unknown opcode").error();
        }
        if (!SkipImmediates(imm)) return Fail("bad immediate").error();
        continue;
      }
    }

    switch (Op(op)) {
      case Op::k_unreachable:
        Emit(IOp::k_unreachable);
        unreachable_ = true;
        break;
      case Op::k_nop:
        break;
      case Op::k_block:
      case Op::k_loop:
      case Op::k_if: {
        uint32_t params, results;
        if (!ReadBlockType(&params, &results)) return Fail("bad block type").error();
        if (Op(op) == Op::k_if) Pop();
        Label l{BlockKind::kBlock, height_ - params, params, results, 0, 0, {}};
        if (Op(op) == Op::k_loop) {
          l.kind = BlockKind::kLoop;
          Fence();
          l.loop_pc = pc();
          Emit(IOp::kFuel, SafepointKind::kLoop);
        } else if (Op(op) == Op::k_if) {
          l.kind = BlockKind::kIf;
          Emit(IOp::kJumpIfZero);
          l.else_fixup = Imm(0);
        }
        labels_.push_back(std::move(l));
        break;
      }
      case Op::k_else: {
        Label& l = labels_.back();
        Emit(IOp::kJump);
        l.end_fixups.push_back(Imm(0));
        out_.code[l.else_fixup].u64 = pc();
        Fence();
        l.kind = BlockKind::kElse;
        height_ = l.base + l.params;
        break;
      }
      case Op::k_end:
        if (labels_.size() == 1) {
          Emit(IOp::kReturnK);
          labels_.pop_back();
        } else {
          EndBlock();
        }
        break;
      case Op::k_br: {
        uint32_t depth;
        r_.ReadU32(&depth);
        if (depth + 1 == labels_.size()) {
          Emit(IOp::kReturnK);
        } else {
          if (!EmitBranch(IOp::kBrK, depth)) return Fail("bad label").error();
        }
        unreachable_ = true;
        break;
      }
      case Op::k_br_if: {
        uint32_t depth;
        r_.ReadU32(&depth);
        Pop();
        if (!EmitBranch(IOp::kBrIfK, depth)) return Fail("bad label").error();
        break;
      }
      case Op::k_br_table: {
        uint32_t n;
        r_.ReadU32(&n);
        Pop();
        Emit(IOp::kBrTableK);
        Imm(n);
        for (uint64_t i = 0; i <= n; ++i) {
          uint32_t depth;
          if (!r_.ReadU32(&depth) || depth >= labels_.size()) return Fail("bad label").error();
          EmitTargetWithMoves(labels_[labels_.size() - 1 - depth]);
        }
        unreachable_ = true;
        break;
      }
      case Op::k_return:
        Emit(IOp::kReturnK);
        unreachable_ = true;
        break;
      case Op::k_call: {
        uint32_t f;
        r_.ReadU32(&f);
        if (f >= m_.func_count()) return Fail("bad function index").error();
        const FuncType& t = m_.func_type(f);
        Emit(IOp::kCallK, SafepointKind::kCall);
        Imm(f);
        out_.pc_map.push_back({pc(), r_.offset(), SafepointKind::kReturn});
        Pop(uint32_t(t.params.size()));
        Push(uint32_t(t.results.size()));
        break;
      }
      case Op::k_call_indirect: {
        uint32_t type_index, table_index;
        r_.ReadU32(&type_index);
        r_.ReadU32(&table_index);
        if (type_index >= m_.types.size()) return Fail("bad type index").error();
        const FuncType& t = m_.types[type_index];
        Pop();  // The table index operand.
        Emit(IOp::kCallIndirectK, SafepointKind::kCall);
        Imm(type_index);
        Imm(table_index);
        out_.pc_map.push_back({pc(), r_.offset(), SafepointKind::kReturn});
        Pop(uint32_t(t.params.size()));
        Push(uint32_t(t.results.size()));
        break;
      }
      case Op::k_drop:
        Emit(IOp::k_drop);
        Pop();
        break;
      case Op::k_select:
        Emit(IOp::k_select);
        Pop(2);
        break;
      case Op::k_select_t: {
        uint32_t n;
        r_.ReadU32(&n);
        r_.Skip(n);
        Emit(IOp::k_select);
        Pop(2);
        break;
      }
      case Op::k_local_get:
      case Op::k_local_set:
      case Op::k_local_tee:
      case Op::k_global_get:
      case Op::k_global_set:
      case Op::k_table_get:
      case Op::k_table_set:
      case Op::k_ref_func: {
        uint32_t index;
        r_.ReadU32(&index);
        const IOp iop = Op(op) == Op::k_local_get    ? IOp::k_local_get
                        : Op(op) == Op::k_local_set  ? IOp::k_local_set
                        : Op(op) == Op::k_local_tee  ? IOp::k_local_tee
                        : Op(op) == Op::k_global_get ? IOp::k_global_get
                        : Op(op) == Op::k_global_set ? IOp::k_global_set
                        : Op(op) == Op::k_table_get  ? IOp::k_table_get
                        : Op(op) == Op::k_table_set  ? IOp::k_table_set
                                                     : IOp::k_ref_func;
        Emit(iop);
        Imm(index);
        if (iop == IOp::k_local_get || iop == IOp::k_global_get || iop == IOp::k_ref_func) Push();
        if (iop == IOp::k_local_set || iop == IOp::k_global_set) Pop();
        if (iop == IOp::k_table_set) Pop(2);
        break;
      }
      case Op::k_i32_const: {
        int32_t v;
        r_.ReadS32(&v);
        EmitConst(uint32_t(v));
        break;
      }
      case Op::k_i64_const: {
        int64_t v;
        r_.ReadS64(&v);
        EmitConst(uint64_t(v));
        break;
      }
      case Op::k_f32_const: {
        uint32_t v;
        r_.ReadFixed32(&v);
        EmitConst(v);
        break;
      }
      case Op::k_f64_const: {
        uint64_t v;
        r_.ReadFixed64(&v);
        EmitConst(v);
        break;
      }
      case Op::k_ref_null: {
        uint8_t t;
        r_.ReadU8(&t);
        EmitConst(0);  // The null reference.
        break;
      }
      case Op::k_ref_is_null:
        Emit(IOp::k_ref_is_null);
        break;
      case Op::k_memory_size:
      case Op::k_memory_grow: {
        uint8_t zero;
        r_.ReadU8(&zero);
        Emit(Op(op) == Op::k_memory_size ? IOp::k_memory_size : IOp::k_memory_grow);
        if (Op(op) == Op::k_memory_size) Push();
        break;
      }
      case Op(kPrefixFC):
        if (!CompileFC()) return Fail("bad 0xFC instruction").error();
        break;
      default: {
        ImmKind imm;
        if (!OpImmediates(op, &imm)) return Fail("unknown opcode").error();
        if (EmitFusedBinop(Op(op))) {
          Pop(2);
          Push(1);
          break;
        }
        switch (Op(op)) {
#define OP(ident, name, code, immk, sig)      \
  case Op::k_##ident: {                       \
    constexpr StackEffect e = EffectOf(#sig); \
    Emit(IOp::k_##ident);                     \
    if (ImmKind::k##immk == ImmKind::kMem) {  \
      uint32_t align, offset;                 \
      r_.ReadU32(&align);                     \
      r_.ReadU32(&offset);                    \
      Imm(offset);                            \
    }                                         \
    Pop(e.pops);                              \
    Push(e.pushes);                           \
    break;                                    \
  }
#define OP_FC(ident, name, code, imm, sig)
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
          default:
            return Fail("unhandled opcode").error();
        }
      }
    }
    if (!r_.ok()) return Fail("bad immediate: " + r_.error()).error();
  }
  return std::move(out_);
}

// `x; i32.const c; i32.add` -> `x; i32.add_imm c`, and likewise with a
// `local.get` as the right operand.
bool FunctionCompiler::EmitFusedBinop(Op op) {
  IOp imm_form, loc_form;
  switch (op) {
#define FUSED(name)                 \
  case Op::k_##name:                \
    imm_form = IOp::k_##name##_imm; \
    loc_form = IOp::k_##name##_loc; \
    break;
    SHOAL_FUSED_BINOPS(FUSED)
#undef FUSED
    default:
      return false;
  }
  IOp form;
  if (Follows(IOp::kConst)) {
    form = imm_form;
  } else if (Follows(IOp::k_local_get)) {
    form = loc_form;
  } else {
    return false;
  }
  const uint64_t operand = Unemit();
  Emit(form);
  Imm(operand);
  return true;
}

bool FunctionCompiler::CompileFC() {
  uint32_t sub;
  if (!r_.ReadU32(&sub)) return false;
  switch (OpFC(sub)) {
#define OP(ident, name, code, imm, sig)
#define OP_FC(ident, name, code, immk, sig)                \
  case OpFC::k_##ident: {                                  \
    Emit(IOp::k_##ident);                                  \
    StackEffect e = EffectOf(#sig);                        \
    if (OpFC::k_##ident == OpFC::k_table_grow) e = {2, 1}; \
    if (OpFC::k_##ident == OpFC::k_table_fill) e = {3, 0}; \
    uint32_t a = 0, b = 0;                                 \
    uint8_t zero;                                          \
    switch (ImmKind::k##immk) {                            \
      case ImmKind::kMemInit:                              \
        r_.ReadU32(&a);                                    \
        r_.ReadU8(&zero);                                  \
        Imm(a);                                            \
        break;                                             \
      case ImmKind::kMemCopy:                              \
        r_.ReadU8(&zero);                                  \
        r_.ReadU8(&zero);                                  \
        break;                                             \
      case ImmKind::kMemIdx:                               \
        r_.ReadU8(&zero);                                  \
        break;                                             \
      case ImmKind::kTableInit:                            \
      case ImmKind::kTableCopy:                            \
        r_.ReadU32(&a);                                    \
        r_.ReadU32(&b);                                    \
        Imm(a);                                            \
        Imm(b);                                            \
        break;                                             \
      case ImmKind::kData:                                 \
      case ImmKind::kElem:                                 \
      case ImmKind::kTable:                                \
        r_.ReadU32(&a);                                    \
        Imm(a);                                            \
        break;                                             \
      default:                                             \
        break;                                             \
    }                                                      \
    Pop(e.pops);                                           \
    Push(e.pushes);                                        \
    return r_.ok();                                        \
  }
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
  }
  return false;
}

}  // namespace

Result<std::shared_ptr<const CompiledModule>> CompileModule(Module module) {
  const HandlerTable& handlers = InterpreterHandlers();
  std::vector<CompiledFunction> functions;
  functions.reserve(module.functions.size());
  for (uint32_t i = 0; i < module.functions.size(); ++i) {
    FunctionCompiler fc(module, module.functions[i], module.imported_funcs + i, handlers);
    functions.push_back(TRY(fc.Compile()));
  }
  return std::make_shared<const CompiledModule>(std::move(module), std::move(functions));
}

}  // namespace shoal::vm
