#include "kernel/abi/link.h"

#include "kernel/abi/abi.h"
#include "kernel/proc/kernel.h"

namespace shoal::kernel::abi {
namespace {

vm::FuncType SpecType(const AbiFunctionSpec& spec) {
  vm::FuncType type;
  for (char p : spec.params)
    type.params.push_back(p == 'I' ? vm::ValType::kI64 : vm::ValType::kI32);
  type.results.push_back(vm::ValType::kI32);
  return type;
}

std::string ImportName(const vm::Import& import) {
  return "\"" + import.module + "\" \"" + import.name + "\"";
}

Result<vm::Extern> LinkShoalImport(vm::Store& store, const vm::Module& module,
                                   const vm::Import& import, Process& process) {
  if (import.kind != vm::ExternKind::kFunc || import.func_type_index >= module.types.size()) {
    return MakeError(Status::kLinkError,
                     "incompatible import type: " + ImportName(import) + " must be a function");
  }
  const AbiFunctionSpec* spec = FindAbiFunction(import.name);
  if (spec == nullptr) return MakeError(Status::kLinkError, "unknown import " + ImportName(import));
  vm::FuncType type = SpecType(*spec);
  const vm::FuncType& wanted = module.types[import.func_type_index];
  if (type != wanted) {
    return MakeError(Status::kLinkError, "incompatible import type: " + ImportName(import) +
                                             " is " + vm::FuncTypeString(type) +
                                             ", the module expects " + vm::FuncTypeString(wanted));
  }
  Process* p = &process;
  vm::FuncAddr addr = store.AddHostFunction(
      std::move(type),
      [p, spec](vm::HostCall& call) {
        p->kernel().host_call_counter().fetch_add(1, std::memory_order_relaxed);
        AbiCall abi_call(*p, wasi::GuestMemory(call.memory()), call.args);
        int32_t result = Dispatch(*spec, abi_call);
        if (abi_call.action != vm::HostAction::kReturn) return abi_call.action;
        call.results[0] = vm::Value::I32(uint32_t(result));
        return vm::HostAction::kReturn;
      },
      import.module + "." + import.name);
  return vm::Extern{vm::ExternKind::kFunc, addr};
}

}  // namespace

Result<std::vector<vm::Extern>> LinkProcessImports(vm::Store& store, const vm::Module& module,
                                                   Process& process) {
  std::vector<vm::Extern> externs;
  externs.reserve(module.imports.size());
  for (const vm::Import& import : module.imports) {
    if (import.module == wasi::kWasiModuleName) {
      externs.push_back(TRY(process.wasi().LinkImport(store, module, import)));
    } else if (import.module == kShoalModuleName) {
      externs.push_back(TRY(LinkShoalImport(store, module, import, process)));
    } else {
      return MakeError(Status::kLinkError, "unknown import " + ImportName(import));
    }
  }
  return externs;
}

}  // namespace shoal::kernel::abi
