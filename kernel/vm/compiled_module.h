// CompiledModule: a validated module plus its internal code. Immutable once
// built, so instances in many stores (and threads) share one.
#pragma once

#include <utility>
#include <vector>

#include "kernel/vm/code.h"
#include "kernel/vm/module.h"

namespace shoal::vm {

class CompiledModule {
 public:
  CompiledModule(Module module, std::vector<CompiledFunction> functions)
      : module_(std::move(module)), functions_(std::move(functions)) {}

  const Module& module() const { return module_; }
  // Defined functions, indexed by (function index - imported function count).
  const std::vector<CompiledFunction>& functions() const { return functions_; }
  const CompiledFunction& function(uint32_t func_index) const {
    return functions_[func_index - module_.imported_funcs];
  }

 private:
  Module module_;
  std::vector<CompiledFunction> functions_;
};

}  // namespace shoal::vm
