// The sections that carry contents rather than declarations: element
// segments, data count, function bodies and data segments.
#include <string>
#include <utility>
#include <vector>

#include "kernel/vm/decoder_sections.h"

namespace shoal::vm::decoder {

namespace {

// The three bits of an element segment's flags (Wasm 2.0, section 5.5.12).
constexpr uint32_t kElemPassiveOrDeclarative = 0x1;
constexpr uint32_t kElemExplicitTable = 0x2;  // When active; else "declarative".
constexpr uint32_t kElemExpressions = 0x4;
constexpr uint32_t kElemMaxFlags = 0x7;

// The only element kind of Wasm 2.0: funcref.
constexpr uint8_t kElemKindFuncRef = 0x00;

// Data segment flags.
constexpr uint32_t kDataPassive = 0x1;
constexpr uint32_t kDataExplicitMemory = 0x2;
constexpr uint32_t kDataMaxFlags = 0x2;

// A cap on the locals of one function. The spec allows 2^32-1, but no real
// program comes near this, and expanding the declarations must not let a
// small input allocate gigabytes.
constexpr uint64_t kMaxLocals = 50000;
constexpr uint64_t kSpecMaxLocals = 0xffffffff;

bool ReadElemKind(ByteReader& r, ValType* out) {
  uint8_t kind;
  if (!r.ReadU8(&kind)) return false;
  if (kind != kElemKindFuncRef) return r.FailAt(r.offset() - 1, "malformed element kind");
  *out = ValType::kFuncRef;
  return true;
}

// Element items given as function indices (flags 0..3), stored as the
// equivalent `ref.func` expressions.
bool ReadFuncIndexItems(ByteReader& r, std::vector<ConstExpr>* items) {
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  items->resize(count);
  for (ConstExpr& item : *items) {
    item.kind = ConstExpr::Kind::kRefFunc;
    item.type = ValType::kFuncRef;
    item.offset = r.offset();
    if (!r.ReadU32(&item.index)) return false;
  }
  return true;
}

bool ReadExprItems(Decoding& d, std::vector<ConstExpr>* items) {
  uint32_t count;
  if (!ReadCount(d.r, &count)) return false;
  items->resize(count);
  for (ConstExpr& item : *items) {
    if (!ReadConstExpr(d, &item)) return false;
  }
  return true;
}

bool ReadElementSegment(Decoding& d, ElementSegment* seg) {
  ByteReader& r = d.r;
  const uint32_t flags_offset = r.offset();
  uint32_t flags;
  if (!r.ReadU32(&flags)) return false;
  if (flags > kElemMaxFlags) return r.FailAt(flags_offset, "malformed elements segment kind");

  if (flags & kElemPassiveOrDeclarative) {
    seg->mode = (flags & kElemExplicitTable) ? SegmentMode::kDeclarative : SegmentMode::kPassive;
  } else {
    seg->mode = SegmentMode::kActive;
    if ((flags & kElemExplicitTable) && !r.ReadU32(&seg->table_index)) return false;
    if (!ReadConstExpr(d, &seg->offset)) return false;
  }

  // Flags 0 and 4 imply funcref; the others name the type (or element kind).
  const bool has_type = (flags & (kElemPassiveOrDeclarative | kElemExplicitTable)) != 0;
  if (flags & kElemExpressions) {
    if (has_type && !ReadRefType(r, &seg->elem_type)) return false;
    return ReadExprItems(d, &seg->items);
  }
  if (has_type && !ReadElemKind(r, &seg->elem_type)) return false;
  return ReadFuncIndexItems(r, &seg->items);
}

bool ReadDataSegment(Decoding& d, DataSegment* seg) {
  ByteReader& r = d.r;
  const uint32_t flags_offset = r.offset();
  uint32_t flags;
  if (!r.ReadU32(&flags)) return false;
  if (flags > kDataMaxFlags) return r.FailAt(flags_offset, "malformed data segment kind");
  if (flags & kDataPassive) {
    seg->mode = SegmentMode::kPassive;
  } else {
    seg->mode = SegmentMode::kActive;
    if ((flags & kDataExplicitMemory) && !r.ReadU32(&seg->memory_index)) return false;
    if (!ReadConstExpr(d, &seg->offset)) return false;
  }
  uint32_t size;
  if (!ReadCount(r, &size)) return false;
  seg->data_offset = r.offset();
  seg->data_size = size;
  return r.Skip(size);
}

// Reads the local declarations of a body that ends at `body_end`.
bool ReadLocals(ByteReader& r, uint32_t body_end, std::vector<ValType>* locals) {
  uint32_t groups;
  if (!ReadCount(r, &groups)) return false;
  // Read every group before expanding any, so the total is known first.
  std::vector<std::pair<uint32_t, ValType>> declared(groups);
  uint64_t total = 0;
  for (auto& [n, type] : declared) {
    if (!r.ReadU32(&n) || !ReadValType(r, &type)) return false;
    total += n;
  }
  if (r.offset() > body_end) return r.FailAt(body_end, std::string(kSectionSizeMismatch));
  if (total > kSpecMaxLocals) return r.Fail("too many locals");
  if (total > kMaxLocals) {
    return r.Fail("too many locals (" + std::to_string(total) + " declared; Shoal allows " +
                  std::to_string(kMaxLocals) + ")");
  }
  locals->reserve(total);
  for (const auto& [n, type] : declared) locals->insert(locals->end(), n, type);
  return true;
}

}  // namespace

bool DecodeElementSection(Decoding& d) {
  uint32_t count;
  if (!ReadCount(d.r, &count)) return false;
  d.module.elements.resize(count);
  for (ElementSegment& seg : d.module.elements) {
    if (!ReadElementSegment(d, &seg)) return false;
  }
  return true;
}

bool DecodeDataCountSection(Decoding& d) {
  d.module.has_data_count = true;
  return d.r.ReadU32(&d.module.data_count);
}

bool DecodeCodeSection(Decoding& d) {
  ByteReader& r = d.r;
  Module& m = d.module;
  const uint32_t count_offset = r.offset();
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  if (count != m.functions.size()) {
    return r.FailAt(count_offset, "function and code section have inconsistent lengths (" +
                                      std::to_string(m.functions.size()) + " functions, " +
                                      std::to_string(count) + " bodies)");
  }
  for (uint32_t i = 0; i < count; ++i) {
    FunctionBody& f = m.functions[i];
    d.function = int64_t(m.imported_funcs) + i;
    f.body_offset = r.offset();
    uint32_t size;
    if (!ReadLength(r, &size)) return false;
    const uint32_t body_start = r.offset();
    const uint32_t body_end = body_start + size;
    if (!ReadLocals(r, body_end, &f.locals)) return false;
    f.code_offset = r.offset();
    f.code_size = body_end - f.code_offset;
    if (f.code_size == 0) return r.Fail(std::string(kUnexpectedEndInSection));
    if (!r.Skip(f.code_size)) return false;
  }
  d.function = -1;
  return true;
}

bool DecodeDataSection(Decoding& d) {
  ByteReader& r = d.r;
  Module& m = d.module;
  const uint32_t count_offset = r.offset();
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  if (m.has_data_count && count != m.data_count) {
    return r.FailAt(count_offset, "data count and data section have inconsistent lengths");
  }
  m.data.resize(count);
  for (DataSegment& seg : m.data) {
    if (!ReadDataSegment(d, &seg)) return false;
  }
  return true;
}

}  // namespace shoal::vm::decoder
