#include "kernel/vm/decoder_primitives.h"

#include <cstring>

#include "kernel/vm/opcodes.h"

namespace shoal::vm::decoder {

namespace {

// Limits flags: bit 0 says a maximum follows. Bit 1 (shared memory, from the
// threads proposal) and anything else are not part of Wasm 2.0.
constexpr uint8_t kLimitsHasMax = 0x01;

bool ReadLimits(ByteReader& r, Limits* out) {
  const uint32_t flags_offset = r.offset();
  uint8_t flags;
  if (!r.ReadU8(&flags)) return false;
  if (flags & ~kLimitsHasMax) {
    // The reference decoder reads the flags as a LEB128 integer of one bit.
    return r.FailAt(flags_offset,
                    flags & 0x80 ? "integer representation too long" : "integer too large");
  }
  uint32_t min;
  if (!r.ReadU32(&min)) return false;
  out->min = min;
  out->max.reset();
  if (flags & kLimitsHasMax) {
    uint32_t max;
    if (!r.ReadU32(&max)) return false;
    out->max = max;
  }
  return true;
}

// Opcodes that may appear in a Wasm 2.0 constant expression.
constexpr uint8_t kOpEnd = 0x0b;
constexpr uint8_t kOpGlobalGet = 0x23;
constexpr uint8_t kOpI32Const = 0x41;
constexpr uint8_t kOpI64Const = 0x42;
constexpr uint8_t kOpF32Const = 0x43;
constexpr uint8_t kOpF64Const = 0x44;
constexpr uint8_t kOpRefNull = 0xd0;
constexpr uint8_t kOpRefFunc = 0xd2;
constexpr uint32_t kSimdV128Const = uint32_t(OpFD::k_v128_const);

bool IsConstantOpcode(uint8_t op) {
  switch (op) {
    case kOpGlobalGet:
    case kOpI32Const:
    case kOpI64Const:
    case kOpF32Const:
    case kOpF64Const:
    case kOpRefNull:
    case kOpRefFunc:
    case kPrefixFD:
      return true;
    default:
      return false;
  }
}

// Reads one constant instruction (without the `end`) into `out`; the first
// instruction of an expression must be one, so anything else fails here.
bool ReadConstInstr(Decoding& d, ConstExpr* out) {
  ByteReader& r = d.r;
  const uint32_t op_offset = r.offset();
  uint8_t op;
  if (!r.ReadU8(&op)) return false;
  switch (op) {
    case kOpI32Const: {
      int32_t v;
      if (!r.ReadS32(&v)) return false;
      out->kind = ConstExpr::Kind::kI32Const;
      out->type = ValType::kI32;
      out->bits[0] = uint32_t(v);
      return true;
    }
    case kOpI64Const: {
      int64_t v;
      if (!r.ReadS64(&v)) return false;
      out->kind = ConstExpr::Kind::kI64Const;
      out->type = ValType::kI64;
      out->bits[0] = uint64_t(v);
      return true;
    }
    case kOpF32Const: {
      uint32_t v;
      if (!r.ReadFixed32(&v)) return false;
      out->kind = ConstExpr::Kind::kF32Const;
      out->type = ValType::kF32;
      out->bits[0] = v;
      return true;
    }
    case kOpF64Const:
      if (!r.ReadFixed64(&out->bits[0])) return false;
      out->kind = ConstExpr::Kind::kF64Const;
      out->type = ValType::kF64;
      return true;
    case kPrefixFD: {
      uint32_t sub;
      if (!r.ReadU32(&sub)) return false;
      if (sub != kSimdV128Const) return d.InvalidAt(op_offset, "constant expression required");
      if (!r.ReadFixed64(&out->bits[0]) || !r.ReadFixed64(&out->bits[1])) return false;
      out->kind = ConstExpr::Kind::kV128Const;
      out->type = ValType::kV128;
      return true;
    }
    case kOpRefNull:
      if (!ReadRefType(r, &out->type)) return false;
      out->kind = ConstExpr::Kind::kRefNull;
      return true;
    case kOpRefFunc:
      if (!r.ReadU32(&out->index)) return false;
      out->kind = ConstExpr::Kind::kRefFunc;
      out->type = ValType::kFuncRef;
      return true;
    case kOpGlobalGet:
      // The result type is the global's, which the validator looks up.
      if (!r.ReadU32(&out->index)) return false;
      out->kind = ConstExpr::Kind::kGlobalGet;
      return true;
    case kOpEnd:
      // An empty expression produces no value where one is expected.
      return d.InvalidAt(op_offset, "type mismatch");
    default: {
      ImmKind ignored;
      if (op == kPrefixFC || OpImmediates(op, &ignored)) {
        return d.InvalidAt(op_offset, "constant expression required");
      }
      return r.FailAt(op_offset, "illegal opcode");
    }
  }
}

}  // namespace

bool ReadLength(ByteReader& r, uint32_t* out) {
  const uint32_t at = r.offset();
  if (!r.ReadU32(out)) return false;
  if (*out > r.remaining()) return r.FailAt(at, std::string(kLengthOutOfBounds));
  return true;
}

bool ReadCount(ByteReader& r, uint32_t* out) {
  const uint32_t at = r.offset();
  if (!r.ReadU32(out)) return false;
  if (*out > r.remaining()) {
    return r.FailAt(at, std::string(kUnexpectedEndInSection) + " (count " + std::to_string(*out) +
                            ", " + std::to_string(r.remaining()) + " bytes left)");
  }
  return true;
}

bool ReadName(ByteReader& r, std::string* out) {
  uint32_t len;
  std::span<const uint8_t> bytes;
  if (!ReadLength(r, &len)) return false;
  const uint32_t at = r.offset();
  if (!r.ReadBytes(len, &bytes)) return false;
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!IsValidUtf8(text)) return r.FailAt(at, "malformed UTF-8 encoding");
  out->assign(text);
  return true;
}

bool ReadValType(ByteReader& r, ValType* out) {
  uint8_t b;
  if (!r.ReadU8(&b)) return false;
  switch (ValType(b)) {
    case ValType::kI32:
    case ValType::kI64:
    case ValType::kF32:
    case ValType::kF64:
    case ValType::kV128:
    case ValType::kFuncRef:
    case ValType::kExternRef:
      *out = ValType(b);
      return true;
  }
  return r.FailAt(r.offset() - 1, "malformed value type");
}

bool ReadRefType(ByteReader& r, ValType* out) {
  uint8_t b;
  if (!r.ReadU8(&b)) return false;
  if (ValType(b) != ValType::kFuncRef && ValType(b) != ValType::kExternRef) {
    return r.FailAt(r.offset() - 1, "malformed reference type");
  }
  *out = ValType(b);
  return true;
}

bool ReadTableType(ByteReader& r, TableType* out) {
  return ReadRefType(r, &out->elem_type) && ReadLimits(r, &out->limits);
}

bool ReadMemoryType(ByteReader& r, MemoryType* out) { return ReadLimits(r, &out->limits); }

bool ReadGlobalType(ByteReader& r, GlobalType* out) {
  if (!ReadValType(r, &out->type)) return false;
  uint8_t mut;
  if (!r.ReadU8(&mut)) return false;
  if (mut > uint8_t(Mutability::kVar)) return r.FailAt(r.offset() - 1, "malformed mutability");
  out->mutability = Mutability(mut);
  return true;
}

bool ReadConstExpr(Decoding& d, ConstExpr* out) {
  ByteReader& r = d.r;
  *out = ConstExpr{};
  out->offset = r.offset();
  if (!ReadConstInstr(d, out)) return false;
  // Wasm 2.0 allows exactly one instruction. Anything more is invalid; which
  // error the spec expects depends on what follows, so look on to the end:
  // only constants means extra values on the stack ("type mismatch"), any
  // other instruction "constant expression required".
  bool extra_values = false;
  uint32_t extra_offset = 0;
  while (true) {
    const uint32_t op_offset = r.offset();
    uint8_t op;
    if (!r.PeekU8(&op)) return r.ReadU8(&op);  // Fails with "unexpected end".
    if (op == kOpEnd) {
      r.Skip(1);
      if (extra_values) return d.InvalidAt(extra_offset, "type mismatch");
      return true;
    }
    if (!IsConstantOpcode(op)) {
      ImmKind ignored;
      if (op == kPrefixFC || OpImmediates(op, &ignored)) {
        return d.InvalidAt(op_offset, "constant expression required");
      }
      return r.FailAt(op_offset, "illegal opcode");
    }
    ConstExpr extra;
    if (!ReadConstInstr(d, &extra)) return false;
    if (!extra_values) extra_offset = op_offset;
    extra_values = true;
  }
}

}  // namespace shoal::vm::decoder
