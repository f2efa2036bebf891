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

// Compiles every function of a module that ValidateModule() accepted.
// Behaviour on an unvalidated module is undefined; LoadModule() always
// validates first.
Result<std::shared_ptr<const CompiledModule>> CompileModule(Module module);

}  // namespace shoal::vm
