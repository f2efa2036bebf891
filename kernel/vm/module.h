// Module: a decoded WebAssembly binary, as the decoder produces it.
//
// A Module owns its bytes. Function bodies are not decoded into instructions
// here: they stay as ranges of `bytes`, and their positions are byte offsets
// from the start of the module. Those offsets are the VM's architecture-neutral
// names for code positions (ARCHITECTURE.md, invariant 1): error messages,
// traps and snapshots all speak in them.
//
// A Module may be malformed-free but still invalid; ValidateModule() decides.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kernel/vm/types.h"

namespace shoal::vm {

// A constant expression (global initializers, segment offsets, element
// items). Wasm 2.0 allows exactly one of these instructions followed by `end`.
struct ConstExpr {
  enum class Kind : uint8_t {
    kI32Const,
    kI64Const,
    kF32Const,
    kF64Const,
    kV128Const,
    kRefNull,    // `type` says funcref or externref.
    kRefFunc,    // `index` is a function index.
    kGlobalGet,  // `index` is a global index.
  };
  Kind kind = Kind::kI32Const;
  ValType type = ValType::kI32;  // Result type (for kRefNull: the ref type).
  uint32_t index = 0;
  uint64_t bits[2] = {0, 0};     // Constant's bit pattern; v128 uses both.
  uint32_t offset = 0;           // Byte offset of the expression in the module.
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t func_type_index = 0;  // kFunc
  TableType table;               // kTable
  MemoryType memory;             // kMemory
  GlobalType global;             // kGlobal
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;
};

// A function defined in the module (not imported).
struct FunctionBody {
  uint32_t type_index = 0;
  // Declared locals, expanded (one entry per local, parameters excluded).
  std::vector<ValType> locals;
  // The instruction sequence (after the locals), ending with the final `end`,
  // as a range of Module::bytes.
  uint32_t code_offset = 0;
  uint32_t code_size = 0;
  // Offset of the body's size field, as tools print function offsets.
  uint32_t body_offset = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclarative };

struct ElementSegment {
  SegmentMode mode = SegmentMode::kActive;
  ValType elem_type = ValType::kFuncRef;
  uint32_t table_index = 0;  // kActive
  ConstExpr offset;          // kActive
  std::vector<ConstExpr> items;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;  // Never kDeclarative.
  uint32_t memory_index = 0;                // kActive
  ConstExpr offset;                         // kActive
  uint32_t data_offset = 0;                 // Range of Module::bytes.
  uint32_t data_size = 0;
};

struct CustomSection {
  std::string name;
  uint32_t data_offset = 0;  // Range of Module::bytes.
  uint32_t data_size = 0;
};

struct Module {
  std::vector<uint8_t> bytes;

  std::vector<FuncType> types;
  std::vector<Import> imports;
  // Index spaces count imports first, then definitions. These counts say how
  // many of each index space are imported.
  uint32_t imported_funcs = 0;
  uint32_t imported_tables = 0;
  uint32_t imported_memories = 0;
  uint32_t imported_globals = 0;

  std::vector<FunctionBody> functions;  // Defined functions only.
  std::vector<TableType> tables;        // Defined tables only.
  std::vector<MemoryType> memories;     // Defined memories only.
  std::vector<Global> globals;          // Defined globals only.
  std::vector<Export> exports;
  bool has_start = false;
  uint32_t start = 0;
  std::vector<ElementSegment> elements;
  std::vector<DataSegment> data;
  bool has_data_count = false;
  uint32_t data_count = 0;
  std::vector<CustomSection> customs;
  // Function names from the "name" custom section, by function index; empty
  // strings where none was given. Used only for messages.
  std::vector<std::string> func_names;

  // Index-space helpers (imports included).
  uint32_t func_count() const { return imported_funcs + uint32_t(functions.size()); }
  uint32_t table_count() const { return imported_tables + uint32_t(tables.size()); }
  uint32_t memory_count() const { return imported_memories + uint32_t(memories.size()); }
  uint32_t global_count() const { return imported_globals + uint32_t(globals.size()); }

  // The type of function `func_index` (imported or defined). Requires a valid
  // index and a valid type index.
  const FuncType& func_type(uint32_t func_index) const;
  TableType table_type(uint32_t table_index) const;
  MemoryType memory_type(uint32_t memory_index) const;
  GlobalType global_type(uint32_t global_index) const;

  std::span<const uint8_t> code(const FunctionBody& f) const {
    return {bytes.data() + f.code_offset, f.code_size};
  }
};

}  // namespace shoal::vm
