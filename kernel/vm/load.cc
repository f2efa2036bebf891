#include "kernel/vm/compiler.h"
#include "kernel/vm/decoder.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/validator.h"

namespace shoal::vm {

Result<std::shared_ptr<const CompiledModule>> LoadModule(std::span<const uint8_t> bytes) {
  Module module = TRY(DecodeModule(bytes));
  TRY(ValidateModule(module));
  return CompileModule(std::move(module));
}

}  // namespace shoal::vm
