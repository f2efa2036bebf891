// ValidationContext: the spec's context C, flattened for fast lookups while
// function bodies are checked.
//
// Built by ValidateModule() after the module-level index checks, so every
// entry here is already known to be in range (type indices of functions, for
// example). Function bodies are validated against it.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/vm/module.h"
#include "kernel/vm/types.h"

namespace shoal::vm {

struct ValidationContext {
  const Module* module = nullptr;
  // Type index of every function, imported ones first (C.funcs).
  std::vector<uint32_t> func_type_indices;
  std::vector<TableType> tables;    // C.tables, imports first.
  std::vector<GlobalType> globals;  // C.globals, imports first.
  uint32_t memory_count = 0;        // C.mems has at most one entry in 2.0.
  // 1 at the index of each function that may be named by ref.func in a body
  // (C.refs: referenced from exports, global initializers or elements).
  std::vector<uint8_t> declared_refs;
};

}  // namespace shoal::vm
