// CompiledModule: a validated module plus its internal code. Immutable once
// built, so instances in many stores share one.
//
// PLACEHOLDER: the engine replaces this with the real compiled form.
#pragma once

#include <utility>

#include "kernel/vm/module.h"

namespace shoal::vm {

class CompiledModule {
 public:
  explicit CompiledModule(Module module) : module_(std::move(module)) {}
  const Module& module() const { return module_; }

 private:
  Module module_;
};

}  // namespace shoal::vm
