// The compiler: translates validated function bodies into the interpreter's
// internal code. The translation is deterministic (same module bytes, same
// Shoal version, same code), and every safepoint in the internal code maps
// back to a Wasm bytecode offset, so snapshots name positions portably.
#pragma once

#include <memory>

#include "kernel/base/result.h"
#include "kernel/vm/module.h"

namespace shoal::vm {

class CompiledModule;

// How to lay frames out. The defaults are what every node runs; the rest
// exists so that tests can prove that a snapshot does not depend on the slot
// layout (snapshot_test.cc). No option costs the interpreter anything at run
// time: they only move slot numbers at compile time.
struct CompileOptions {
  // Unused slots between a frame's locals and its operand stack.
  uint32_t operand_padding = 0;
};

// Compiles every function of a module that ValidateModule() accepted.
// Behaviour on an unvalidated module is undefined; LoadModule() always
// validates first.
Result<std::shared_ptr<const CompiledModule>> CompileModule(Module module,
                                                            CompileOptions options = {});

}  // namespace shoal::vm
