// PLACEHOLDER until the engine lands: keeps every target linkable.
#include "kernel/vm/compiler.h"

#include "kernel/vm/compiled_module.h"

namespace shoal::vm {

Result<std::shared_ptr<const CompiledModule>> CompileModule(Module module) {
  return std::make_shared<const CompiledModule>(std::move(module));
}

}  // namespace shoal::vm
