#include "kernel/vm/validate_function.h"

#include <cstdio>

#include "kernel/vm/opcodes.h"
#include "kernel/vm/validate_signatures.h"

namespace shoal::vm {

namespace {

// Stands for "any type" on the polymorphic stack of unreachable code.
constexpr ValType kUnknownType = ValType(0);

// Backing storage for single-value block types, so a frame can point at one.
constexpr ValType kSingleTypes[] = {ValType::kI32,      ValType::kI64,  ValType::kF32,
                                    ValType::kF64,      ValType::kV128, ValType::kFuncRef,
                                    ValType::kExternRef};

bool DecodeValType(uint8_t byte, ValType* out) {
  for (ValType t : kSingleTypes) {
    if (uint8_t(t) == byte) {
      *out = t;
      return true;
    }
  }
  return false;
}

std::span<const ValType> Single(ValType type) {
  for (const ValType& t : kSingleTypes) {
    if (t == type) return {&t, 1};
  }
  return {};
}

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string TypeName(ValType t) {
  return t == kUnknownType ? std::string("unknown") : std::string(ValTypeName(t));
}

}  // namespace

VoidResult FunctionValidator::Validate(uint32_t defined_index) {
  module_ = ctx_.module;
  body_ = &module_->functions[defined_index];
  func_index_ = module_->imported_funcs + defined_index;
  func_type_ = &module_->types[body_->type_index];
  if (uint64_t(body_->code_offset) + body_->code_size > module_->bytes.size()) {
    return MakeError(Status::kMalformed, "unexpected end (function " + std::to_string(func_index_) +
                                             ": body lies outside the module)");
  }
  reader_ = ByteReader(module_->code(*body_), body_->code_offset);
  vals_.clear();
  ctrls_.clear();
  failed_ = false;
  finished_ = false;
  op_offset_ = body_->code_offset;
  op_ = 0;
  PushFrame(0, {}, func_type_->results);
  // The function's parameters are locals, not operands: the frame starts empty.
  while (!finished_) {
    if (reader_.at_end()) {
      op_offset_ = reader_.offset();
      Malformed("END opcode expected");
      break;
    }
    if (!ValidateInstruction()) break;
  }
  if (!failed_ && !reader_.at_end()) {
    op_offset_ = reader_.offset();
    Malformed("operators remaining after end of function");
  }
  if (failed_) return std::move(error_);
  return Ok();
}

bool FunctionValidator::ValidateInstruction() {
  op_offset_ = reader_.offset();
  op_sub_ = 0;
  if (!reader_.ReadU8(&op_)) return Malformed("unexpected end");
  if (op_ == kPrefixFC) {
    if (!reader_.ReadU32(&op_sub_)) return Malformed(reader_.error());
    ImmKind kind;
    if (!OpFCImmediates(op_sub_, &kind)) {
      return Malformed("illegal opcode", "0xfc " + std::to_string(op_sub_));
    }
    Immediates imm;
    if (!ReadImmediates(uint8_t(kind), &imm)) return false;
    const OpSignature& sig = kFCSignatures[op_sub_];
    if (sig.special) return ValidateSpecialFC(op_sub_, imm);
    for (int i = sig.param_count - 1; i >= 0; --i) {
      if (!Pop(sig.params[i])) return false;
    }
    if (sig.has_result) Push(sig.result);
    return ValidateSpecialFC(op_sub_, imm);
  }
  if (op_ == kPrefixFD) return ValidateSimd();
  ImmKind kind;
  if (!OpImmediates(op_, &kind)) return Malformed("illegal opcode", Hex(op_));
  Immediates imm;
  if (!ReadImmediates(uint8_t(kind), &imm)) return false;
  const OpSignature& sig = kOneByteSignatures[op_];
  if (sig.special) return ValidateSpecial(op_, imm);
  if (sig.natural_align != 0xff && imm.a > sig.natural_align) {
    return Invalid("alignment must not be larger than natural",
                   "2^" + std::to_string(imm.a) + " bytes");
  }
  for (int i = sig.param_count - 1; i >= 0; --i) {
    if (!Pop(sig.params[i])) return false;
  }
  if (sig.has_result) Push(sig.result);
  return true;
}

bool FunctionValidator::ReadImmediates(uint8_t raw_kind, Immediates* imm) {
  const ValidationContext& c = ctx_;
  auto read_u32 = [&](uint32_t* out) {
    if (!reader_.ReadU32(out)) return Malformed(reader_.error());
    return true;
  };
  switch (ImmKind(raw_kind)) {
    case ImmKind::kNone:
    case ImmKind::kBlock:    // Read by the block instructions themselves.
    case ImmKind::kBrTable:  // Read by ValidateBrTable().
    case ImmKind::kSelectT:  // Read by ValidateSelect().
      return true;
    case ImmKind::kLabel:
      return read_u32(&imm->a);
    case ImmKind::kFunc:
      if (!read_u32(&imm->a)) return false;
      if (imm->a >= c.func_type_indices.size()) {
        return Invalid("unknown function " + std::to_string(imm->a));
      }
      return true;
    case ImmKind::kCallIndirect:
      if (!read_u32(&imm->a) || !read_u32(&imm->b)) return false;
      if (imm->b >= c.tables.size()) return Invalid("unknown table " + std::to_string(imm->b));
      if (imm->a >= module_->types.size()) {
        return Invalid("unknown type " + std::to_string(imm->a));
      }
      return true;
    case ImmKind::kLocal:
      return read_u32(&imm->a);
    case ImmKind::kGlobal:
      if (!read_u32(&imm->a)) return false;
      if (imm->a >= c.globals.size()) return Invalid("unknown global " + std::to_string(imm->a));
      return true;
    case ImmKind::kTable:
      if (!read_u32(&imm->a)) return false;
      if (imm->a >= c.tables.size()) return Invalid("unknown table " + std::to_string(imm->a));
      return true;
    case ImmKind::kMem:
      if (!read_u32(&imm->a) || !read_u32(&imm->b)) return false;
      return HaveMemory();
    case ImmKind::kMemIdx:
      return ReadZeroByte() && HaveMemory();
    case ImmKind::kI32: {
      int32_t v;
      return reader_.ReadS32(&v) || Malformed(reader_.error());
    }
    case ImmKind::kI64: {
      int64_t v;
      return reader_.ReadS64(&v) || Malformed(reader_.error());
    }
    case ImmKind::kF32:
      return reader_.Skip(4) || Malformed(reader_.error());
    case ImmKind::kF64:
      return reader_.Skip(8) || Malformed(reader_.error());
    case ImmKind::kRefType: {
      uint8_t byte;
      if (!reader_.ReadU8(&byte)) return Malformed(reader_.error());
      ValType t;
      if (!DecodeValType(byte, &t) || !IsRefType(t)) {
        return Malformed("malformed reference type", Hex(byte));
      }
      imm->a = byte;
      return true;
    }
    case ImmKind::kMemInit:
      if (!read_u32(&imm->a) || !ReadZeroByte() || !HaveMemory()) return false;
      [[fallthrough]];
    case ImmKind::kData:
      if (raw_kind == uint8_t(ImmKind::kData) && !read_u32(&imm->a)) return false;
      if (!module_->has_data_count) return Malformed("data count section required");
      if (imm->a >= module_->data_count) {
        return Invalid("unknown data segment " + std::to_string(imm->a));
      }
      return true;
    case ImmKind::kMemCopy:
      return ReadZeroByte() && ReadZeroByte() && HaveMemory();
    case ImmKind::kTableInit:
      if (!read_u32(&imm->a) || !read_u32(&imm->b)) return false;
      if (imm->b >= c.tables.size()) return Invalid("unknown table " + std::to_string(imm->b));
      if (imm->a >= module_->elements.size()) {
        return Invalid("unknown elem segment " + std::to_string(imm->a));
      }
      return true;
    case ImmKind::kElem:
      if (!read_u32(&imm->a)) return false;
      if (imm->a >= module_->elements.size()) {
        return Invalid("unknown elem segment " + std::to_string(imm->a));
      }
      return true;
    case ImmKind::kTableCopy:
      if (!read_u32(&imm->a) || !read_u32(&imm->b)) return false;
      if (imm->a >= c.tables.size()) return Invalid("unknown table " + std::to_string(imm->a));
      if (imm->b >= c.tables.size()) return Invalid("unknown table " + std::to_string(imm->b));
      return true;
    case ImmKind::kMemLane:  // SIMD immediates are read by ValidateSimd().
    case ImmKind::kLane:
    case ImmKind::kV128:
    case ImmKind::kShuffle:
      break;
  }
  return Malformed("illegal opcode");
}

bool FunctionValidator::ValidateSpecial(uint8_t opcode, const Immediates& imm) {
  const ValidationContext& c = ctx_;
  switch (Op(opcode)) {
    case Op::k_unreachable:
      SetUnreachable();
      return true;
    case Op::k_nop:
      return true;
    case Op::k_block:
    case Op::k_loop:
    case Op::k_if: {
      std::span<const ValType> params, results;
      if (!ReadBlockType(&params, &results)) return false;
      if (opcode == uint8_t(Op::k_if) && !Pop(ValType::kI32)) return false;
      if (!PopTypes(params)) return false;
      PushFrame(opcode, params, results);
      return true;
    }
    case Op::k_else: {
      if (ctrls_.size() < 2 || ctrls_.back().opcode != uint8_t(Op::k_if)) {
        return Malformed("illegal opcode", "else without if");
      }
      if (!EndFrame(opcode)) return false;
      Frame frame = ctrls_.back();
      ctrls_.pop_back();
      PushFrame(opcode, frame.params, frame.results);
      return true;
    }
    case Op::k_end: {
      if (!EndFrame(opcode)) return false;
      Frame frame = ctrls_.back();
      if (frame.opcode == uint8_t(Op::k_if) &&
          !std::equal(frame.params.begin(), frame.params.end(), frame.results.begin(),
                      frame.results.end())) {
        return Invalid("type mismatch", "if without else must leave its parameters");
      }
      ctrls_.pop_back();
      PushTypes(frame.results);
      if (ctrls_.empty()) finished_ = true;
      return true;
    }
    case Op::k_br: {
      const Frame* target;
      if (!LabelFrame(imm.a, &target) || !PopTypes(target->label_types())) return false;
      SetUnreachable();
      return true;
    }
    case Op::k_br_if: {
      const Frame* target;
      if (!LabelFrame(imm.a, &target) || !Pop(ValType::kI32)) return false;
      std::span<const ValType> types = target->label_types();
      if (!PopTypes(types)) return false;
      PushTypes(types);
      return true;
    }
    case Op::k_br_table:
      return ValidateBrTable();
    case Op::k_return:
      if (!PopTypes(func_type_->results)) return false;
      SetUnreachable();
      return true;
    case Op::k_call: {
      const FuncType& type = module_->types[c.func_type_indices[imm.a]];
      if (!PopTypes(type.params)) return false;
      PushTypes(type.results);
      return true;
    }
    case Op::k_call_indirect: {
      if (c.tables[imm.b].elem_type != ValType::kFuncRef) {
        return Invalid("type mismatch", "call_indirect needs a funcref table");
      }
      const FuncType& type = module_->types[imm.a];
      if (!Pop(ValType::kI32) || !PopTypes(type.params)) return false;
      PushTypes(type.results);
      return true;
    }
    case Op::k_drop: {
      ValType ignored;
      return PopAny(&ignored);
    }
    case Op::k_select:
      return ValidateSelect(false);
    case Op::k_select_t:
      return ValidateSelect(true);
    case Op::k_local_get: {
      ValType t;
      if (!LocalType(imm.a, &t)) return false;
      Push(t);
      return true;
    }
    case Op::k_local_set: {
      ValType t;
      return LocalType(imm.a, &t) && Pop(t);
    }
    case Op::k_local_tee: {
      ValType t;
      if (!LocalType(imm.a, &t) || !Pop(t)) return false;
      Push(t);
      return true;
    }
    case Op::k_global_get:
      Push(c.globals[imm.a].type);
      return true;
    case Op::k_global_set:
      if (c.globals[imm.a].mutability != Mutability::kVar) {
        return Invalid("global is immutable", "global " + std::to_string(imm.a));
      }
      return Pop(c.globals[imm.a].type);
    case Op::k_table_get:
      if (!Pop(ValType::kI32)) return false;
      Push(c.tables[imm.a].elem_type);
      return true;
    case Op::k_table_set:
      return Pop(c.tables[imm.a].elem_type) && Pop(ValType::kI32);
    case Op::k_ref_null:
      Push(ValType(imm.a));
      return true;
    case Op::k_ref_is_null: {
      ValType t;
      if (!PopAny(&t)) return false;
      if (t != kUnknownType && !IsRefType(t)) {
        return Invalid("type mismatch", "ref.is_null expects a reference, got " + TypeName(t));
      }
      Push(ValType::kI32);
      return true;
    }
    case Op::k_ref_func:
      if (!c.declared_refs[imm.a]) {
        return Invalid("undeclared function reference", "function " + std::to_string(imm.a));
      }
      Push(ValType::kFuncRef);
      return true;
    default:
      break;
  }
  return Malformed("illegal opcode", Hex(opcode));
}

bool FunctionValidator::ValidateSpecialFC(uint32_t sub, const Immediates& imm) {
  const ValidationContext& c = ctx_;
  switch (OpFC(sub)) {
    case OpFC::k_table_grow:
      if (!Pop(ValType::kI32) || !Pop(c.tables[imm.a].elem_type)) return false;
      Push(ValType::kI32);
      return true;
    case OpFC::k_table_fill:
      return Pop(ValType::kI32) && Pop(c.tables[imm.a].elem_type) && Pop(ValType::kI32);
    case OpFC::k_table_init:
      if (module_->elements[imm.a].elem_type != c.tables[imm.b].elem_type) {
        return Invalid("type mismatch", "element segment and table types differ");
      }
      return true;
    case OpFC::k_table_copy:
      if (c.tables[imm.a].elem_type != c.tables[imm.b].elem_type) {
        return Invalid("type mismatch", "source and destination table types differ");
      }
      return true;
    default:
      return true;  // Fully typed by its signature.
  }
}

bool FunctionValidator::ValidateBrTable() {
  uint32_t count;
  if (!reader_.ReadU32(&count)) return Malformed(reader_.error());
  if (count > reader_.remaining()) return Malformed("unexpected end", "br_table label count");
  // The default label comes last but decides the arity, so read ahead once.
  ByteReader labels = reader_;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t ignored;
    if (!reader_.ReadU32(&ignored)) return Malformed(reader_.error());
  }
  uint32_t default_depth;
  if (!reader_.ReadU32(&default_depth)) return Malformed(reader_.error());
  if (!Pop(ValType::kI32)) return false;
  const Frame* default_frame;
  if (!LabelFrame(default_depth, &default_frame)) return false;
  std::span<const ValType> default_types = default_frame->label_types();
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t depth;
    labels.ReadU32(&depth);  // Already read successfully above.
    const Frame* frame;
    if (!LabelFrame(depth, &frame)) return false;
    std::span<const ValType> types = frame->label_types();
    if (types.size() != default_types.size()) {
      return Invalid("type mismatch", "br_table targets have different arities");
    }
    if (!PeekTypes(types)) return false;
  }
  if (!PopTypes(default_types)) return false;
  SetUnreachable();
  return true;
}

bool FunctionValidator::ValidateSelect(bool typed) {
  if (typed) {
    uint32_t count;
    if (!reader_.ReadU32(&count)) return Malformed(reader_.error());
    if (count != 1) return Invalid("invalid result arity", "select takes exactly one type");
    ValType t;
    if (!ReadValType(&t)) return false;
    if (!Pop(ValType::kI32) || !Pop(t) || !Pop(t)) return false;
    Push(t);
    return true;
  }
  ValType t1, t2;
  if (!Pop(ValType::kI32) || !PopAny(&t1) || !PopAny(&t2)) return false;
  if ((t1 != kUnknownType && IsRefType(t1)) || (t2 != kUnknownType && IsRefType(t2))) {
    return Invalid("type mismatch", "select without a type needs numeric or vector operands");
  }
  if (t1 != t2 && t1 != kUnknownType && t2 != kUnknownType) return Mismatch(t1, t2);
  Push(t1 == kUnknownType ? t2 : t1);
  return true;
}

bool FunctionValidator::EndFrame(uint8_t opcode) {
  const Frame& frame = ctrls_.back();
  if (!PopTypes(frame.results)) return false;
  if (vals_.size() != frame.height) {
    return Invalid("type mismatch", std::to_string(vals_.size() - frame.height) +
                                        " value(s) left on the stack at the end of the block");
  }
  (void)opcode;
  return true;
}

bool FunctionValidator::ReadBlockType(std::span<const ValType>* params,
                                      std::span<const ValType>* results) {
  int64_t v;
  if (!reader_.ReadS33(&v)) return Malformed(reader_.error());
  *params = {};
  *results = {};
  if (v >= 0) {
    if (uint64_t(v) >= module_->types.size()) {
      return Invalid("unknown type " + std::to_string(v));
    }
    *params = module_->types[v].params;
    *results = module_->types[v].results;
    return true;
  }
  if (v == -64) return true;  // 0x40: no params, no results.
  ValType t;
  if (v < -64 || !DecodeValType(uint8_t(v & 0x7f), &t)) {
    return Malformed("malformed value type", "block type " + std::to_string(v));
  }
  *results = Single(t);
  return true;
}

bool FunctionValidator::ReadValType(ValType* out) {
  uint8_t byte;
  if (!reader_.ReadU8(&byte)) return Malformed(reader_.error());
  if (!DecodeValType(byte, out)) return Malformed("malformed value type", Hex(byte));
  return true;
}

bool FunctionValidator::ReadZeroByte() {
  uint8_t byte;
  if (!reader_.ReadU8(&byte)) return Malformed(reader_.error());
  if (byte != 0) return Malformed("zero byte expected", Hex(byte));
  return true;
}

bool FunctionValidator::PopAny(ValType* actual) {
  const Frame& frame = ctrls_.back();
  if (vals_.size() == frame.height) {
    if (frame.unreachable) {
      *actual = kUnknownType;
      return true;
    }
    return Invalid("type mismatch", "expected a value, got none");
  }
  *actual = vals_.back();
  vals_.pop_back();
  return true;
}

bool FunctionValidator::Pop(ValType expected, ValType* actual) {
  const Frame& frame = ctrls_.back();
  if (vals_.size() == frame.height) {
    if (frame.unreachable) {
      if (actual) *actual = kUnknownType;
      return true;
    }
    return Invalid("type mismatch", "expected " + TypeName(expected) + ", got none");
  }
  ValType got = vals_.back();
  if (got != expected && got != kUnknownType) return Mismatch(expected, got);
  vals_.pop_back();
  if (actual) *actual = got;
  return true;
}

bool FunctionValidator::PopTypes(std::span<const ValType> types) {
  for (size_t i = types.size(); i-- > 0;) {
    if (!Pop(types[i])) return false;
  }
  return true;
}

bool FunctionValidator::PeekTypes(std::span<const ValType> types) {
  const Frame& frame = ctrls_.back();
  size_t top = vals_.size();
  for (size_t i = types.size(); i-- > 0;) {
    if (top == frame.height) {
      if (frame.unreachable) return true;  // Everything below is Unknown.
      return Invalid("type mismatch", "expected " + TypeName(types[i]) + ", got none");
    }
    ValType got = vals_[--top];
    if (got != types[i] && got != kUnknownType) return Mismatch(types[i], got);
  }
  return true;
}

void FunctionValidator::SetUnreachable() {
  Frame& frame = ctrls_.back();
  vals_.resize(frame.height);
  frame.unreachable = true;
}

void FunctionValidator::PushFrame(uint8_t opcode, std::span<const ValType> params,
                                  std::span<const ValType> results) {
  ctrls_.push_back(Frame{opcode, params, results, uint32_t(vals_.size()), false});
  PushTypes(params);
}

bool FunctionValidator::LabelFrame(uint32_t depth, const Frame** out) {
  if (depth >= ctrls_.size()) return Invalid("unknown label", "depth " + std::to_string(depth));
  *out = &ctrls_[ctrls_.size() - 1 - depth];
  return true;
}

bool FunctionValidator::LocalType(uint32_t index, ValType* out) {
  const size_t params = func_type_->params.size();
  if (index < params) {
    *out = func_type_->params[index];
    return true;
  }
  if (index - params < body_->locals.size()) {
    *out = body_->locals[index - params];
    return true;
  }
  return Invalid("unknown local " + std::to_string(index));
}

bool FunctionValidator::HaveMemory() {
  return ctx_.memory_count > 0 || Invalid("unknown memory 0");
}

bool FunctionValidator::Invalid(std::string_view rule, const std::string& detail) {
  return Fail(Status::kInvalid, rule, detail);
}

bool FunctionValidator::Malformed(std::string_view rule, const std::string& detail) {
  return Fail(Status::kMalformed, rule, detail);
}

bool FunctionValidator::Mismatch(ValType expected, ValType actual) {
  return Invalid("type mismatch", "expected " + TypeName(expected) + ", got " + TypeName(actual));
}

std::string FunctionValidator::CurrentOpName() const {
  std::string_view name = op_ == kPrefixFC   ? OpFCName(op_sub_)
                          : op_ == kPrefixFD ? OpFDName(op_sub_)
                                             : OpName(op_);
  return name.empty() ? Hex(op_) : std::string(name);
}

bool FunctionValidator::Fail(Status status, std::string_view rule, const std::string& detail) {
  if (failed_) return false;
  failed_ = true;
  std::string message(rule);
  message += " (function " + std::to_string(func_index_) + " at offset " + Hex(op_offset_) + ": " +
             CurrentOpName();
  if (!detail.empty()) message += ": " + detail;
  message += ")";
  error_ = MakeError(status, std::move(message));
  return false;
}

}  // namespace shoal::vm
