// The sections that declare the module's entities: types, imports,
// functions, tables, memories, globals, exports and the start function.
// Segments and code are in decoder_segments.cc.
#include "kernel/vm/decoder_sections.h"

#include <algorithm>

namespace shoal::vm::decoder {

namespace {

constexpr uint8_t kFuncTypeForm = 0x60;

bool ReadValTypes(ByteReader& r, std::vector<ValType>* out) {
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  out->resize(count);
  for (ValType& t : *out) {
    if (!ReadValType(r, &t)) return false;
  }
  return true;
}

bool ReadImportDescription(ByteReader& r, Import* imp) {
  const uint32_t kind_offset = r.offset();
  uint8_t kind;
  if (!r.ReadU8(&kind)) return false;
  switch (ExternKind(kind)) {
    case ExternKind::kFunc:
      imp->kind = ExternKind::kFunc;
      return r.ReadU32(&imp->func_type_index);
    case ExternKind::kTable:
      imp->kind = ExternKind::kTable;
      return ReadTableType(r, &imp->table);
    case ExternKind::kMemory:
      imp->kind = ExternKind::kMemory;
      return ReadMemoryType(r, &imp->memory);
    case ExternKind::kGlobal:
      imp->kind = ExternKind::kGlobal;
      return ReadGlobalType(r, &imp->global);
  }
  return r.FailAt(kind_offset, "malformed import kind");
}

}  // namespace

bool DecodeTypeSection(Decoding& d) {
  ByteReader& r = d.r;
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  d.module.types.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint8_t form;
    if (!r.ReadU8(&form)) return false;
    if (form != kFuncTypeForm) {
      // The reference decoder reads the form as a one-byte signed LEB128.
      return r.FailAt(r.offset() - 1,
                      form & 0x80 ? "integer representation too long" : "malformed function type");
    }
    FuncType& type = d.module.types.emplace_back();
    if (!ReadValTypes(r, &type.params) || !ReadValTypes(r, &type.results)) return false;
  }
  return true;
}

bool DecodeImportSection(Decoding& d) {
  ByteReader& r = d.r;
  Module& m = d.module;
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  m.imports.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Import& imp = m.imports.emplace_back();
    if (!ReadName(r, &imp.module) || !ReadName(r, &imp.name) || !ReadImportDescription(r, &imp)) {
      return false;
    }
    switch (imp.kind) {
      case ExternKind::kFunc:
        ++m.imported_funcs;
        break;
      case ExternKind::kTable:
        ++m.imported_tables;
        break;
      case ExternKind::kMemory:
        ++m.imported_memories;
        break;
      case ExternKind::kGlobal:
        ++m.imported_globals;
        break;
    }
  }
  return true;
}

bool DecodeFunctionSection(Decoding& d) {
  ByteReader& r = d.r;
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  d.module.functions.resize(count);
  for (FunctionBody& f : d.module.functions) {
    if (!r.ReadU32(&f.type_index)) return false;
  }
  return true;
}

bool DecodeTableSection(Decoding& d) {
  uint32_t count;
  if (!ReadCount(d.r, &count)) return false;
  d.module.tables.resize(count);
  for (TableType& t : d.module.tables) {
    if (!ReadTableType(d.r, &t)) return false;
  }
  return true;
}

bool DecodeMemorySection(Decoding& d) {
  uint32_t count;
  if (!ReadCount(d.r, &count)) return false;
  d.module.memories.resize(count);
  for (MemoryType& t : d.module.memories) {
    if (!ReadMemoryType(d.r, &t)) return false;
  }
  return true;
}

bool DecodeGlobalSection(Decoding& d) {
  uint32_t count;
  if (!ReadCount(d.r, &count)) return false;
  d.module.globals.resize(count);
  for (Global& g : d.module.globals) {
    if (!ReadGlobalType(d.r, &g.type) || !ReadConstExpr(d, &g.init)) return false;
  }
  return true;
}

bool DecodeExportSection(Decoding& d) {
  ByteReader& r = d.r;
  uint32_t count;
  if (!ReadCount(r, &count)) return false;
  d.module.exports.resize(count);
  for (Export& e : d.module.exports) {
    if (!ReadName(r, &e.name)) return false;
    uint8_t kind;
    if (!r.ReadU8(&kind)) return false;
    if (kind > uint8_t(ExternKind::kGlobal)) {
      return r.FailAt(r.offset() - 1, "malformed export kind");
    }
    e.kind = ExternKind(kind);
    if (!r.ReadU32(&e.index)) return false;
  }
  return true;
}

bool DecodeStartSection(Decoding& d) {
  d.module.has_start = true;
  return d.r.ReadU32(&d.module.start);
}

}  // namespace shoal::vm::decoder
