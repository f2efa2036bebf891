// FunctionCompiler: the operand stack, control flow and calls. Locals,
// numeric, memory and table instructions are in function_compiler_ops.cc.
#include "kernel/vm/function_compiler.h"

#include <algorithm>

namespace shoal::vm {

namespace {

uint32_t SlotsOf(std::span<const ValType> types) {
  uint32_t n = 0;
  for (ValType t : types) n += SlotCount(t);
  return n;
}

// Storage for single-type block signatures to point into.
constexpr ValType kSingleTypes[] = {ValType::kI32,      ValType::kI64,  ValType::kF32,
                                    ValType::kF64,      ValType::kV128, ValType::kFuncRef,
                                    ValType::kExternRef};

}  // namespace

uint32_t FunctionCompiler::BlockSig::param_slots() const { return SlotsOf(params); }
uint32_t FunctionCompiler::BlockSig::result_slots() const { return SlotsOf(results); }

FunctionCompiler::FunctionCompiler(const Module& m, const FunctionBody& body, uint32_t func_index,
                                   const HandlerTable& handlers, CompileOptions options)
    : m_(m),
      body_(body),
      handlers_(handlers),
      options_(options),
      r_(m.code(body), body.code_offset) {
  out_.func_index = func_index;
  const FuncType& type = m.types[body.type_index];
  uint32_t slot = 0;
  for (ValType t : type.params) {
    local_types_.push_back(t);
    local_slots_.push_back(slot);
    slot += SlotCount(t);
  }
  out_.param_slots = slot;
  for (ValType t : body.locals) {
    local_types_.push_back(t);
    local_slots_.push_back(slot);
    slot += SlotCount(t);
  }
  out_.local_slots = slot - out_.param_slots;
  out_.operand_base = slot + options_.operand_padding;
  out_.result_slots = SlotsOf(type.results);
}

VoidResult FunctionCompiler::Fail(const std::string& what) {
  return MakeError(Status::kInternal, "compiler: " + what + " in function " +
                                          std::to_string(out_.func_index) + " at offset " +
                                          std::to_string(instr_offset_));
}

// ---- Emission ---------------------------------------------------------------

void FunctionCompiler::Emit(IOp op, SafepointKind kind) {
  prev_op_ = op;
  prev_pc_ = pc();
  out_.pc_map.push_back({pc(), instr_offset_, kind});
  CodeWord w;
  w.handler = handlers_[size_t(op)];
  out_.code.push_back(w);
}

uint32_t FunctionCompiler::ChildNode(uint32_t parent, ValType type) {
  constexpr size_t kScanLimit = 64;
  std::vector<uint32_t>& nodes = out_.stack_type_nodes;
  const uint32_t key = parent << 8 | uint8_t(type);
  const uint32_t next = uint32_t(nodes.size() + 1);
  if (nodes.size() < kScanLimit) {
    auto it = std::find(nodes.begin(), nodes.end(), key);
    if (it != nodes.end()) return uint32_t(it - nodes.begin() + 1);
  } else {
    if (nodes_.empty()) {
      for (uint32_t i = 0; i < nodes.size(); ++i) nodes_.emplace(nodes[i], i + 1);
    }
    auto [it, added] = nodes_.try_emplace(key, next);
    if (!added) return it->second;
  }

  nodes.push_back(key);
  if (nodes.size() >= kMaxStackTypeNodes) too_large_ = true;
  return next;
}

uint32_t FunctionCompiler::StackTypesNode(size_t count, std::optional<ValType> extra) {
  // Entries keep their node, so a safepoint pays only for what was pushed
  // since the last one.
  size_t known = count;
  while (known > 0 && stack_[known - 1].node == kNoNode) --known;
  uint32_t node = known > 0 ? stack_[known - 1].node : 0;
  for (size_t i = known; i < count; ++i) {
    // A full table stops growing; too_large_ fails the compile.
    if (!too_large_) node = ChildNode(node, stack_[i].type);
    stack_[i].node = node;
  }
  return extra && !too_large_ ? ChildNode(node, *extra) : node;
}

uint32_t FunctionCompiler::Imm(uint64_t v) {
  CodeWord w;
  w.u64 = v;
  out_.code.push_back(w);
  return pc() - 1;
}

// ---- The compile-time operand stack -----------------------------------------

void FunctionCompiler::Grow(uint32_t height) {
  out_.max_height = std::max(out_.max_height, height);
  if (height >= kMaxFrameSlots) too_large_ = true;
}

void FunctionCompiler::PushSlot(ValType type) {
  const uint8_t width = uint8_t(SlotCount(type));
  stack_.push_back({Where::kSlot, width, type, height_, 0, kNoNode, 0});
  height_ += width;
  Grow(height_);
}

void FunctionCompiler::PushLocal(uint32_t local) {
  const uint8_t width = LocalWidth(local);
  stack_.push_back(
      {Where::kLocal, width, local_types_[local], height_, LocalSlot(local), kNoNode, 0});
  height_ += width;
  Grow(height_);
}

void FunctionCompiler::PushConst(ValType type, uint64_t bits) {
  stack_.push_back({Where::kConst, 1, type, height_, 0, kNoNode, bits});
  height_ += 1;
  Grow(height_);
}

FunctionCompiler::Entry FunctionCompiler::Pop() {
  // Validation guarantees an entry in reachable code; stay safe regardless.
  if (stack_.empty()) return {Where::kSlot, 1, ValType::kI32, height_, 0, kNoNode, 0};
  Entry e = stack_.back();
  stack_.pop_back();
  height_ = e.pos;
  return e;
}

uint8_t FunctionCompiler::LocalWidth(uint32_t local) const {
  return uint8_t(SlotCount(local_types_[local]));
}

void FunctionCompiler::Materialize(Entry& e) {
  if (e.where == Where::kLocal) {
    Emit(e.width == 2 ? IOp::kCopy2 : IOp::kCopy);
    Imm(PackSlots(e.pos, e.local));
  } else if (e.where == Where::kConst) {
    Emit(IOp::kConst);
    Imm(PackSlots(e.pos));
    Imm(e.bits);
  }
  e.where = Where::kSlot;
}

uint32_t FunctionCompiler::SlotOf(const Entry& e) {
  switch (e.where) {
    case Where::kSlot:
      return e.pos;
    case Where::kLocal:
      return e.local;
    case Where::kConst: {
      Entry copy = e;
      Materialize(copy);
      return e.pos;
    }
  }
  return e.pos;
}

void FunctionCompiler::Flush() {
  for (Entry& e : stack_) Materialize(e);
}

void FunctionCompiler::FlushReadersOf(uint32_t local_slot) {
  for (Entry& e : stack_) {
    if (e.where == Where::kLocal && e.local == local_slot) Materialize(e);
  }
}

// ---- Blocks and branches ----------------------------------------------------

bool FunctionCompiler::ReadBlockSig(BlockSig* sig) {
  uint8_t b;
  if (!r_.PeekU8(&b)) return false;
  if (b == 0x40) {
    r_.ReadU8(&b);
    *sig = {};
    return true;
  }
  for (const ValType& t : kSingleTypes) {
    if (uint8_t(t) == b) {
      r_.ReadU8(&b);
      *sig = {{}, {&t, 1}};
      return true;
    }
  }
  int64_t index;
  if (!r_.ReadS33(&index) || index < 0 || uint64_t(index) >= m_.types.size()) return false;
  const FuncType& t = m_.types[index];
  *sig = {t.params, t.results};
  return true;
}

// The branch target word: the loop header, kReturnTarget for the function's
// label, or a fixup resolved at the block's end.
void FunctionCompiler::EmitTarget(Label& l) {
  if (l.kind == BlockKind::kLoop) {
    Imm(l.loop_pc);
  } else if (l.kind == BlockKind::kFunction) {
    Imm(kReturnTarget);
  } else {
    l.end_fixups.push_back(Imm(0));
  }
}

bool FunctionCompiler::CompileBranch(uint32_t depth) {
  if (depth >= labels_.size()) return false;
  Flush();
  Label& l = labels_[labels_.size() - 1 - depth];
  const uint32_t n = l.arity();
  const uint32_t src = height_ - n;
  if (l.kind == BlockKind::kFunction) {
    Emit(IOp::kReturn);
    Imm(PackSlots(src));
  } else if (src == l.base) {
    Emit(IOp::kJump);  // The kept values already sit where the label wants them.
    EmitTarget(l);
  } else {
    Emit(IOp::kBr);
    EmitTarget(l);
    Imm(PackSlots(l.base, src));
    Imm(n);
  }
  unreachable_ = true;
  return true;
}

bool FunctionCompiler::CompileBranchIf(uint32_t depth) {
  if (depth >= labels_.size()) return false;
  Entry cond = Pop();
  Flush();
  Label& l = labels_[labels_.size() - 1 - depth];
  const uint32_t n = l.arity();
  const uint32_t src = height_ - n;
  if (l.kind != BlockKind::kFunction && src == l.base) {
    if (!EmitFusedJump(cond, /*negate=*/false)) {
      const uint32_t slot = SlotOf(cond);
      Emit(IOp::kJumpIfNonZero);
      Imm(PackSlots(slot));
    }
    EmitTarget(l);
  } else {
    const uint32_t slot = SlotOf(cond);
    Emit(IOp::kBrIf);
    Imm(PackSlots(slot));
    EmitTarget(l);
    Imm(PackSlots(l.base, src));
    Imm(n);
  }
  return true;
}

namespace {

// Conditions that fuse with the jump testing them.
enum class Operands : uint8_t { kOne, kTwo, kImmediate };
struct CompareJump {
  IOp compare;
  IOp jump;          // Jumps when the comparison holds.
  IOp jump_negated;  // Jumps when it does not.
  Operands operands;
};
constexpr CompareJump kCompareJumps[] = {
    {IOp::k_i32_eqz, IOp::kJumpIfZero, IOp::kJumpIfNonZero, Operands::kOne},
#define JUMP_IF(op, negated, cpp_op, field)                                      \
  {IOp::k_##op, IOp::kJumpIf_##op, IOp::kJumpIf_##negated, Operands::kTwo},      \
      {IOp::k_##op##_imm, IOp::kJumpIf_##op##_imm, IOp::kJumpIf_##negated##_imm, \
       Operands::kImmediate},
    SHOAL_JUMP_COMPARES(JUMP_IF)
#undef JUMP_IF
};

}  // namespace

bool FunctionCompiler::EmitFusedJump(const Entry& cond, bool negate) {
  if (cond.where != Where::kSlot || result_pos_ != cond.pos || result_pc_ != prev_pc_) {
    return false;
  }
  for (const CompareJump& cj : kCompareJumps) {
    if (!Follows(cj.compare)) continue;
    // Replace the comparison (its value has no other reader) by the jump.
    const uint64_t w = out_.code[prev_pc_ + 1].u64;
    const uint64_t imm = cj.operands == Operands::kImmediate ? out_.code[prev_pc_ + 2].u64 : 0;
    out_.code.resize(prev_pc_);
    out_.pc_map.pop_back();
    prev_op_ = IOp::kCount;
    result_pc_ = UINT32_MAX;
    Emit(negate ? cj.jump_negated : cj.jump);
    if (cj.operands == Operands::kTwo) {
      Imm(PackSlots(SlotField(w, 1), SlotField(w, 2)));
    } else {
      Imm(PackSlots(SlotField(w, 1)));
    }
    if (cj.operands == Operands::kImmediate) Imm(imm);
    return true;
  }
  return false;
}

bool FunctionCompiler::CompileBranchTable() {
  uint32_t count;
  if (!r_.ReadU32(&count)) return false;
  Entry index = Pop();
  Flush();
  const uint32_t slot = SlotOf(index);
  Emit(IOp::kBrTable);
  Imm(PackSlots(slot));
  Imm(count);
  for (uint64_t i = 0; i <= count; ++i) {
    uint32_t depth;
    if (!r_.ReadU32(&depth) || depth >= labels_.size()) return false;
    Label& l = labels_[labels_.size() - 1 - depth];
    const uint32_t n = l.arity();
    EmitTarget(l);
    Imm(PackSlots(l.base, height_ - n));
    Imm(n);
  }
  unreachable_ = true;
  return true;
}

void FunctionCompiler::CompileReturn() {
  Flush();
  Emit(IOp::kReturn);
  Imm(PackSlots(height_ - out_.result_slots));
  unreachable_ = true;
}

void FunctionCompiler::EndBlock() {
  Label l = std::move(labels_.back());
  labels_.pop_back();
  if (l.kind == BlockKind::kIf) out_.code[l.else_fixup].u64 = pc();
  for (uint32_t fix : l.end_fixups) out_.code[fix].u64 = pc();
  Fence();
  while (!stack_.empty() && stack_.back().pos >= l.base) stack_.pop_back();
  height_ = l.base;
  for (ValType t : l.sig.results) PushSlot(t);
}

// ---- Calls ------------------------------------------------------------------

void FunctionCompiler::CompileCall(const FuncType& type, IOp op, uint64_t imm0, uint64_t imm1,
                                   const Entry* element) {
  Flush();
  const uint32_t element_slot = element ? SlotOf(*element) : 0;
  const uint32_t args = height_ - SlotsOf(type.params);
  if (op == IOp::kCall && imm0 >= m_.imported_funcs) {
    op = IOp::kCallDirect;
    out_.direct_calls.push_back(pc() + 1);
  }
  // Stopped at the call, the frame holds the arguments (and a
  // call_indirect's table index, last); resumed after it, in a caller frame,
  // only what is below them: the arguments became the callee's params.
  const size_t below = stack_.size() - type.params.size();
  const uint32_t at_call =
      StackTypesNode(stack_.size(), element ? std::optional(ValType::kI32) : std::nullopt);
  const uint32_t at_return = StackTypesNode(below);
  Emit(op, SafepointKind::kCall);
  out_.pc_map.back().set_stack_types(at_call);
  Imm(imm0);
  if (op == IOp::kCallIndirect) {
    Imm(imm1);
    Imm(PackSlots(element_slot));
  }
  Imm(args);
  // Where the caller resumes: a safepoint for the frames below the top.
  out_.pc_map.push_back({pc(), r_.offset(), SafepointKind::kReturn});
  out_.pc_map.back().set_stack_types(at_return);
  for (size_t i = 0; i < type.params.size(); ++i) Pop();
  for (ValType t : type.results) PushSlot(t);
}

// ---- The main loop ----------------------------------------------------------

Result<CompiledFunction> FunctionCompiler::Compile() {
  height_ = out_.operand_base;
  Grow(height_);
  instr_offset_ = body_.code_offset;
  Emit(IOp::kFuel, SafepointKind::kEntry);
  const FuncType& type = m_.types[body_.type_index];
  labels_.push_back(Label{BlockKind::kFunction, 0, {{}, type.results}, 0, 0, {}});

  while (!labels_.empty()) {
    instr_offset_ = r_.offset();
    uint8_t op;
    if (!r_.ReadU8(&op)) return Fail("unexpected end of code").error();

    bool from_unreachable = false;
    if (unreachable_) {
      // Skip to the end (or else) of the innermost reachable block.
      if (op == uint8_t(Op::k_block) || op == uint8_t(Op::k_loop) || op == uint8_t(Op::k_if)) {
        BlockSig sig;
        if (!ReadBlockSig(&sig)) return Fail("bad block type").error();
        ++skip_depth_;
        continue;
      }
      if (op == uint8_t(Op::k_end) && skip_depth_ > 0) {
        --skip_depth_;
        continue;
      }
      if (op == uint8_t(Op::k_end) || (op == uint8_t(Op::k_else) && skip_depth_ == 0)) {
        unreachable_ = false;
        from_unreachable = true;
        // Fall through to the reachable handling.
      } else {
        ImmKind imm;
        if (op == kPrefixFC) {
          uint32_t sub;
          if (!r_.ReadU32(&sub) || !OpFCImmediates(sub, &imm)) return Fail("bad 0xFC op").error();
        } else if (op == kPrefixFD) {
          uint32_t sub;
          if (!r_.ReadU32(&sub) || !OpFDImmediates(sub, &imm)) return Fail("bad 0xFD op").error();
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
        BlockSig sig;
        if (!ReadBlockSig(&sig)) return Fail("bad block type").error();
        Entry cond{};
        if (Op(op) == Op::k_if) cond = Pop();
        Flush();
        Label l{BlockKind::kBlock, height_ - sig.param_slots(), sig, 0, 0, {}};
        if (Op(op) == Op::k_loop) {
          l.kind = BlockKind::kLoop;
          Fence();
          l.loop_pc = pc();
          const uint32_t node = StackTypesNode(stack_.size());
          Emit(IOp::kFuel, SafepointKind::kLoop);
          out_.pc_map.back().set_stack_types(node);
        } else if (Op(op) == Op::k_if) {
          l.kind = BlockKind::kIf;
          if (!EmitFusedJump(cond, /*negate=*/true)) {
            const uint32_t slot = SlotOf(cond);
            Emit(IOp::kJumpIfZero);
            Imm(PackSlots(slot));
          }
          l.else_fixup = Imm(0);
        }
        labels_.push_back(std::move(l));
        break;
      }
      case Op::k_else: {
        Label& l = labels_.back();
        if (!from_unreachable) {
          Flush();
          Emit(IOp::kJump);
          l.end_fixups.push_back(Imm(0));
        }
        out_.code[l.else_fixup].u64 = pc();
        Fence();
        l.kind = BlockKind::kElse;
        while (!stack_.empty() && stack_.back().pos >= l.base) stack_.pop_back();
        height_ = l.base;
        for (ValType t : l.sig.params) PushSlot(t);
        break;
      }
      case Op::k_end:
        if (labels_.size() == 1) {
          if (!from_unreachable) CompileReturn();
          labels_.pop_back();
        } else {
          if (!from_unreachable) Flush();
          EndBlock();
        }
        break;
      case Op::k_br: {
        uint32_t depth;
        r_.ReadU32(&depth);
        if (!CompileBranch(depth)) return Fail("bad label").error();
        break;
      }
      case Op::k_br_if: {
        uint32_t depth;
        r_.ReadU32(&depth);
        if (!CompileBranchIf(depth)) return Fail("bad label").error();
        break;
      }
      case Op::k_br_table:
        if (!CompileBranchTable()) return Fail("bad label").error();
        break;
      case Op::k_return:
        CompileReturn();
        break;
      case Op::k_call: {
        uint32_t f;
        r_.ReadU32(&f);
        if (f >= m_.func_count()) return Fail("bad function index").error();
        CompileCall(m_.func_type(f), IOp::kCall, f, 0, nullptr);
        break;
      }
      case Op::k_call_indirect: {
        uint32_t type_index, table_index;
        r_.ReadU32(&type_index);
        r_.ReadU32(&table_index);
        if (type_index >= m_.types.size()) return Fail("bad type index").error();
        const Entry element = Pop();
        CompileCall(m_.types[type_index], IOp::kCallIndirect, type_index, table_index, &element);
        break;
      }
      default:
        if (op == kPrefixFC) {
          if (!CompileFC()) return Fail("bad 0xFC instruction").error();
        } else if (op == kPrefixFD) {
          if (!CompileFD()) return Fail("bad 0xFD instruction").error();
        } else if (!CompileNumeric(op)) {
          return Fail("unhandled opcode").error();
        }
        break;
    }
    if (!r_.ok()) return Fail("bad immediate: " + r_.error()).error();
  }
  if (too_large_) {
    return MakeError(Status::kNotSupported, "function " + std::to_string(out_.func_index) +
                                                " needs " + std::to_string(out_.max_height) +
                                                " value slots and " +
                                                std::to_string(out_.stack_type_nodes.size()) +
                                                " safepoint stack types; the interpreter allows " +
                                                std::to_string(kMaxFrameSlots - 1) + " and " +
                                                std::to_string(kMaxStackTypeNodes - 1));
  }
  return std::move(out_);
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
      BlockSig sig;
      return ReadBlockSig(&sig);
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

}  // namespace shoal::vm
