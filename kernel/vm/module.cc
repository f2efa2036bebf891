#include "kernel/vm/module.h"

#include <cassert>

namespace shoal::vm {

namespace {

// Returns the n-th import of `kind`.
const Import& NthImport(const Module& m, ExternKind kind, uint32_t n) {
  for (const Import& imp : m.imports) {
    if (imp.kind == kind && n-- == 0) return imp;
  }
  assert(false && "import index out of range");
  __builtin_unreachable();
}

}  // namespace

const FuncType& Module::func_type(uint32_t func_index) const {
  if (func_index < imported_funcs) {
    return types[NthImport(*this, ExternKind::kFunc, func_index).func_type_index];
  }
  return types[functions[func_index - imported_funcs].type_index];
}

TableType Module::table_type(uint32_t table_index) const {
  if (table_index < imported_tables) return NthImport(*this, ExternKind::kTable, table_index).table;
  return tables[table_index - imported_tables];
}

MemoryType Module::memory_type(uint32_t memory_index) const {
  if (memory_index < imported_memories) {
    return NthImport(*this, ExternKind::kMemory, memory_index).memory;
  }
  return memories[memory_index - imported_memories];
}

GlobalType Module::global_type(uint32_t global_index) const {
  if (global_index < imported_globals) {
    return NthImport(*this, ExternKind::kGlobal, global_index).global;
  }
  return globals[global_index - imported_globals].type;
}

}  // namespace shoal::vm
