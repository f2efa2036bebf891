// Lowers validated Wasm modules to internal code (code.h), one
// FunctionCompiler per function body.
#include "kernel/vm/compiler.h"

#include <algorithm>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/function_compiler.h"
#include "kernel/vm/interpreter.h"

namespace shoal::vm {

uint32_t CompiledFunction::WasmOffset(uint32_t pc) const {
  auto it = std::upper_bound(pc_map.begin(), pc_map.end(), pc,
                             [](uint32_t p, const PcMapEntry& e) { return p < e.pc; });
  if (it == pc_map.begin()) return 0;
  return std::prev(it)->wasm_offset;
}

const PcMapEntry* CompiledFunction::FindSafepoint(uint32_t wasm_offset, SafepointKind kind) const {
  for (const PcMapEntry& e : pc_map) {
    if (e.wasm_offset == wasm_offset && e.kind == kind) return &e;
  }
  return nullptr;
}

const PcMapEntry* CompiledFunction::SafepointAt(uint32_t pc, SafepointKind kind) const {
  auto it = std::lower_bound(pc_map.begin(), pc_map.end(), pc,
                             [](const PcMapEntry& e, uint32_t p) { return e.pc < p; });
  // A kReturn entry may share its pc with the next instruction's entry.
  for (; it != pc_map.end() && it->pc == pc; ++it) {
    if (it->kind == kind) return &*it;
  }
  return nullptr;
}

std::vector<ValType> CompiledFunction::StackTypes(uint32_t node) const {
  std::vector<ValType> types;
  while (node != 0) {
    const uint32_t n = stack_type_nodes[node - 1];
    types.push_back(ValType(n & 0xff));
    node = n >> 8;
  }
  std::reverse(types.begin(), types.end());
  return types;
}

Result<std::shared_ptr<const CompiledModule>> CompileModule(Module module, CompileOptions options) {
  const HandlerTable& handlers = InterpreterHandlers();
  std::vector<CompiledFunction> functions;
  functions.reserve(module.functions.size());
  for (uint32_t i = 0; i < module.functions.size(); ++i) {
    FunctionCompiler fc(module, module.functions[i], module.imported_funcs + i, handlers, options);
    functions.push_back(TRY(fc.Compile()));
  }
  // Link calls within the module. The vector's buffer moves into the
  // CompiledModule with it, so the addresses stay valid.
  for (CompiledFunction& f : functions) {
    for (uint32_t word : f.direct_calls) {
      f.code[word].handler = &functions[f.code[word].u64 - module.imported_funcs];
    }
    f.direct_calls.clear();
    f.direct_calls.shrink_to_fit();
  }
  return std::make_shared<const CompiledModule>(std::move(module), std::move(functions));
}

}  // namespace shoal::vm
