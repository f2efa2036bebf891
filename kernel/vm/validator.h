// The validator: decides whether a decoded Module is type safe.
//
// Validation is Shoal's isolation boundary: a module that passes can only touch
// its own memory, tables, globals and the functions it imports.
#pragma once

#include "kernel/base/result.h"
#include "kernel/vm/module.h"

namespace shoal::vm {

// Validates every rule of the WebAssembly 2.0 spec (module level and every
// function body). On failure returns Status::kInvalid (or kMalformed for
// encoding errors found inside function bodies, such as an unknown opcode or a
// truncated immediate) with the function index, the byte offset and the rule,
// e.g. "function 3 at offset 0x4f: type mismatch: i32.add expects i32, got i64".
VoidResult ValidateModule(const Module& module);

}  // namespace shoal::vm
