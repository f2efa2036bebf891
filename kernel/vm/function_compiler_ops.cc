// FunctionCompiler: locals, globals, constants, numeric, memory and table
// instructions. Each takes its operands where the compile-time stack says
// they are and writes its result to the slot the stack assigns it.
#include <cassert>
#include <optional>

#include "kernel/vm/function_compiler.h"
#include "kernel/vm/validate_signatures.h"

namespace shoal::vm {

namespace {

// The type a fixed-signature instruction pushes, if any.
std::optional<ValType> ResultOf(const OpSignature& sig) {
  return sig.has_result ? std::optional(sig.result) : std::nullopt;
}

}  // namespace

// Pops `pops` operands (at most three; at most two with a result) and emits
// `op` with one slots word: the destination (when there is a result), then
// the operands in stack order. The caller appends any further immediates.
void FunctionCompiler::CompileSimple(IOp op, uint8_t pops, std::optional<ValType> result) {
  // Three slot fields per instruction: the destination takes one of them.
  assert(pops <= 3 && (!result || pops <= 2));
  Entry in[3];
  for (int i = pops - 1; i >= 0; --i) in[i] = Pop();
  uint32_t slot[3] = {0, 0, 0};
  for (int i = 0; i < pops; ++i) slot[i] = SlotOf(in[i]);
  const uint32_t dst = height_;
  Emit(op);
  if (result) {
    Imm(PackSlots(dst, slot[0], slot[1]));
    PushSlot(*result);
    MarkResult(dst);
  } else {
    Imm(PackSlots(slot[0], slot[1], slot[2]));
  }
}

// A binary operator with a constant operand takes it as an immediate: on the
// right always, on the left when the operator is commutative.
void FunctionCompiler::CompileBinary(IOp op, IOp imm_form, ValType result, bool commutative) {
  const size_t n = stack_.size();
  const bool right_const = n >= 1 && stack_[n - 1].where == Where::kConst;
  const bool left_const = commutative && n >= 2 && stack_[n - 2].where == Where::kConst;
  if (!right_const && !left_const) {
    CompileSimple(op, 2, result);
    return;
  }
  const Entry b = Pop();
  const Entry a = Pop();
  const Entry& operand = right_const ? a : b;
  const uint64_t bits = right_const ? b.bits : a.bits;
  const uint32_t slot = SlotOf(operand);
  Emit(imm_form);
  Imm(PackSlots(a.pos, slot));
  Imm(bits);
  PushSlot(result);
  MarkResult(a.pos);
}

bool FunctionCompiler::CompileLoadAt(IOp load, ValType result, uint32_t offset) {
  IOp fused;
  switch (load) {
#define LOAD_AT(op, value_t, memory_t, field) \
  case IOp::k_##op:                           \
    fused = IOp::k_##op##_at;                 \
    break;
    SHOAL_LOADS(LOAD_AT)
#undef LOAD_AT
    default:
      return false;
  }
  if (stack_.empty()) return false;
  const Entry& addr = stack_.back();
  if (addr.where != Where::kSlot || result_pos_ != addr.pos || result_pc_ != prev_pc_ ||
      !Follows(IOp::k_i32_add_imm)) {
    return false;
  }
  // Replace `t = base + addend` (t has no other reader) by the fused load.
  const uint64_t w = out_.code[prev_pc_ + 1].u64;
  const uint64_t addend = out_.code[prev_pc_ + 2].u64;
  out_.code.resize(prev_pc_);
  out_.pc_map.pop_back();
  prev_op_ = IOp::kCount;
  const uint32_t dst = Pop().pos;
  Emit(fused);
  Imm(PackSlots(dst, SlotField(w, 1)));
  Imm(addend);
  Imm(offset);
  PushSlot(result);
  MarkResult(dst);
  return true;
}

void FunctionCompiler::CompileLocalSet(uint32_t local, bool tee) {
  const uint32_t dst = LocalSlot(local);
  const Entry e = Pop();
  bool read_elsewhere = false;
  for (const Entry& other : stack_) {
    read_elsewhere |= other.where == Where::kLocal && other.local == dst;
  }
  if (e.where == Where::kSlot && result_pos_ == e.pos && result_pc_ == prev_pc_ &&
      Follows(prev_op_) && !read_elsewhere) {
    // The instruction that computed the value writes it to the local itself.
    CodeWord& w = out_.code[prev_pc_ + 1];
    w.u64 = (w.u64 & ~uint64_t(kMaxFrameSlots - 1)) | dst;
  } else {
    FlushReadersOf(dst);
    const IOp copy = e.width == 2 ? IOp::kCopy2 : IOp::kCopy;
    if (e.where == Where::kLocal) {
      if (e.local != dst) {
        Emit(copy);
        Imm(PackSlots(dst, e.local));
      }
    } else if (e.where == Where::kConst) {
      Emit(IOp::kConst);
      Imm(PackSlots(dst));
      Imm(e.bits);
    } else {
      Emit(copy);
      Imm(PackSlots(dst, e.pos));
    }
  }
  result_pos_ = UINT32_MAX;
  if (tee) PushLocal(local);
}

bool FunctionCompiler::CompileNumeric(uint8_t op) {
  switch (Op(op)) {
    case Op::k_drop:
      Pop();
      return true;
    case Op::k_select:
    case Op::k_select_t: {
      if (Op(op) == Op::k_select_t) {
        uint32_t n;
        r_.ReadU32(&n);
        r_.Skip(n);
      }
      const Entry c = Pop();
      const Entry b = Pop();
      const Entry a = Pop();
      const uint32_t sa = SlotOf(a), sb = SlotOf(b), sc = SlotOf(c);
      Emit(a.width == 2 ? IOp::kSelect2 : IOp::k_select);
      Imm(PackSlots(a.pos, sa, sb));
      Imm(PackSlots(sc));
      PushSlot(a.type);
      MarkResult(a.pos);
      return true;
    }
    case Op::k_local_get: {
      uint32_t local;
      r_.ReadU32(&local);
      if (local >= local_types_.size()) return false;
      PushLocal(local);
      return true;
    }
    case Op::k_local_set:
    case Op::k_local_tee: {
      uint32_t local;
      r_.ReadU32(&local);
      if (local >= local_types_.size()) return false;
      CompileLocalSet(local, Op(op) == Op::k_local_tee);
      return true;
    }
    case Op::k_global_get: {
      uint32_t index;
      r_.ReadU32(&index);
      const uint32_t dst = height_;
      const ValType type = m_.global_type(index).type;
      Emit(SlotCount(type) == 2 ? IOp::kGlobalGet2 : IOp::k_global_get);
      Imm(PackSlots(dst));
      Imm(index);
      PushSlot(type);
      MarkResult(dst);
      return true;
    }
    case Op::k_global_set: {
      uint32_t index;
      r_.ReadU32(&index);
      const bool wide = SlotCount(m_.global_type(index).type) == 2;
      CompileSimple(wide ? IOp::kGlobalSet2 : IOp::k_global_set, 1, std::nullopt);
      Imm(index);
      return true;
    }
    case Op::k_table_get:
    case Op::k_table_set: {
      uint32_t table;
      r_.ReadU32(&table);
      if (Op(op) == Op::k_table_get) {
        CompileSimple(IOp::k_table_get, 1, m_.table_type(table).elem_type);
      } else {
        CompileSimple(IOp::k_table_set, 2, std::nullopt);
      }
      Imm(table);
      return true;
    }
    case Op::k_ref_func: {
      uint32_t index;
      r_.ReadU32(&index);
      CompileSimple(IOp::k_ref_func, 0, ValType::kFuncRef);
      Imm(index);
      return true;
    }
    case Op::k_ref_null: {
      uint8_t type;
      r_.ReadU8(&type);
      PushConst(ValType(type), 0);  // The null reference.
      return true;
    }
    case Op::k_ref_is_null:
      CompileSimple(IOp::k_ref_is_null, 1, ValType::kI32);
      return true;
    case Op::k_i32_const: {
      int32_t v = 0;
      r_.ReadS32(&v);
      PushConst(ValType::kI32, uint32_t(v));
      return true;
    }
    case Op::k_i64_const: {
      int64_t v = 0;
      r_.ReadS64(&v);
      PushConst(ValType::kI64, uint64_t(v));
      return true;
    }
    case Op::k_f32_const: {
      uint32_t v = 0;
      r_.ReadFixed32(&v);
      PushConst(ValType::kF32, v);
      return true;
    }
    case Op::k_f64_const: {
      uint64_t v = 0;
      r_.ReadFixed64(&v);
      PushConst(ValType::kF64, v);
      return true;
    }
    case Op::k_i32_reinterpret_f32:
    case Op::k_f32_reinterpret_i32:
    case Op::k_i64_reinterpret_f64:
    case Op::k_f64_reinterpret_i64:
      // Same bits, same slot: only the type changes.
      if (!stack_.empty()) {
        stack_.back().type = kOneByteSignatures[op].result;
        stack_.back().node = kNoNode;
      }
      return true;
    case Op::k_memory_size:
    case Op::k_memory_grow: {
      uint8_t zero;
      r_.ReadU8(&zero);
      if (Op(op) == Op::k_memory_size) {
        CompileSimple(IOp::k_memory_size, 0, ValType::kI32);
      } else {
        CompileSimple(IOp::k_memory_grow, 1, ValType::kI32);
      }
      return true;
    }
    default:
      break;
  }

  switch (Op(op)) {
#define COMMUTATIVE(name)                                                            \
  case Op::k_##name:                                                                 \
    CompileBinary(IOp::k_##name, IOp::k_##name##_imm, kOneByteSignatures[op].result, \
                  /*commutative=*/true);                                             \
    return true;
    SHOAL_COMMUTATIVE_BINOPS(COMMUTATIVE)
#undef COMMUTATIVE
    default:
      break;
  }

  switch (Op(op)) {
#define FUSED(name)                                                                  \
  case Op::k_##name:                                                                 \
    CompileBinary(IOp::k_##name, IOp::k_##name##_imm, kOneByteSignatures[op].result, \
                  /*commutative=*/false);                                            \
    return true;
    SHOAL_FUSED_BINOPS(FUSED)
#undef FUSED
    default:
      break;
  }

  switch (Op(op)) {
#define OP(ident, name, code, immk, sig)                           \
  case Op::k_##ident: {                                            \
    const OpSignature& s = kOneByteSignatures[code];               \
    if (s.special) return false;                                   \
    if (ImmKind::k##immk == ImmKind::kMem) {                       \
      uint32_t align, offset;                                      \
      r_.ReadU32(&align);                                          \
      r_.ReadU32(&offset);                                         \
      if (!CompileLoadAt(IOp::k_##ident, s.result, offset)) {      \
        CompileSimple(IOp::k_##ident, s.param_count, ResultOf(s)); \
        Imm(offset);                                               \
      }                                                            \
    } else {                                                       \
      CompileSimple(IOp::k_##ident, s.param_count, ResultOf(s));   \
    }                                                              \
    return true;                                                   \
  }
#define OP_FC(ident, name, code, imm, sig)
#include "kernel/vm/opcodes.def"
#undef OP
#undef OP_FC
    default:
      return false;
  }
}

bool FunctionCompiler::CompileFC() {
  uint32_t sub;
  if (!r_.ReadU32(&sub)) return false;
  uint32_t a = 0, b = 0;
  uint8_t zero = 0;
  switch (OpFC(sub)) {
    case OpFC::k_memory_init:
      r_.ReadU32(&a);
      r_.ReadU8(&zero);
      CompileSimple(IOp::k_memory_init, 3, std::nullopt);
      Imm(a);
      break;
    case OpFC::k_data_drop:
      r_.ReadU32(&a);
      Emit(IOp::k_data_drop);
      Imm(a);
      break;
    case OpFC::k_memory_copy:
      r_.ReadU8(&zero);
      r_.ReadU8(&zero);
      CompileSimple(IOp::k_memory_copy, 3, std::nullopt);
      break;
    case OpFC::k_memory_fill:
      r_.ReadU8(&zero);
      CompileSimple(IOp::k_memory_fill, 3, std::nullopt);
      break;
    case OpFC::k_table_init:
    case OpFC::k_table_copy:
      r_.ReadU32(&a);
      r_.ReadU32(&b);
      CompileSimple(OpFC(sub) == OpFC::k_table_init ? IOp::k_table_init : IOp::k_table_copy, 3,
                    std::nullopt);
      Imm(a);
      Imm(b);
      break;
    case OpFC::k_elem_drop:
      r_.ReadU32(&a);
      Emit(IOp::k_elem_drop);
      Imm(a);
      break;
    case OpFC::k_table_grow:
      r_.ReadU32(&a);
      CompileSimple(IOp::k_table_grow, 2, ValType::kI32);
      Imm(a);
      break;
    case OpFC::k_table_size:
      r_.ReadU32(&a);
      CompileSimple(IOp::k_table_size, 0, ValType::kI32);
      Imm(a);
      break;
    case OpFC::k_table_fill:
      r_.ReadU32(&a);
      CompileSimple(IOp::k_table_fill, 3, std::nullopt);
      Imm(a);
      break;
#define TRUNC_SAT(ident)                                         \
  case OpFC::k_##ident:                                          \
    CompileSimple(IOp::k_##ident, 1, kFCSignatures[sub].result); \
    break;
      TRUNC_SAT(i32_trunc_sat_f32_s)
      TRUNC_SAT(i32_trunc_sat_f32_u)
      TRUNC_SAT(i32_trunc_sat_f64_s)
      TRUNC_SAT(i32_trunc_sat_f64_u)
      TRUNC_SAT(i64_trunc_sat_f32_s)
      TRUNC_SAT(i64_trunc_sat_f32_u)
      TRUNC_SAT(i64_trunc_sat_f64_s)
      TRUNC_SAT(i64_trunc_sat_f64_u)
#undef TRUNC_SAT
    default:
      return false;
  }
  return r_.ok();
}

}  // namespace shoal::vm
