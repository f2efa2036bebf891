// The "spectest" host module that the spec tests import from.
//
// It provides, as the test suite's README describes: the immutable globals
// global_i32 / global_i64 (666) and global_f32 / global_f64 (666.6), a funcref
// table of 10..20 elements, a memory of 1..2 pages, and print functions that
// take the listed parameters, return nothing and (only when asked) print.
#pragma once

#include <map>
#include <string>

#include "kernel/vm/runtime.h"

namespace shoal::spec {

// Exports of a module, by name, as the import resolver sees them.
using ExportMap = std::map<std::string, vm::Extern, std::less<>>;

enum class PrintCalls : uint8_t { kSilent, kToStdout };

// Creates the spectest objects in `store` and returns their exports.
// Fails only if the store cannot allocate the memory or table.
Result<ExportMap> AddSpectestModule(vm::Store& store, PrintCalls print);

}  // namespace shoal::spec
