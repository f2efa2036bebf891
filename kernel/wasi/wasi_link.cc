// WasiProcess::LinkImports: binding WASI host calls into a VM Store. Kept
// apart from wasi_process.cc so that code using only the WASI objects does
// not need the VM runtime linked in.
#include "kernel/wasi/host_calls.h"
#include "kernel/wasi/wasi_process.h"

namespace shoal::wasi {
namespace {

vm::FuncType SpecType(const WasiFunctionSpec& spec) {
  vm::FuncType type;
  for (char p : spec.params)
    type.params.push_back(p == 'I' ? vm::ValType::kI64 : vm::ValType::kI32);
  if (spec.returns_errno) type.results.push_back(vm::ValType::kI32);
  return type;
}

std::string ImportName(const vm::Import& import) {
  return "\"" + import.module + "\" \"" + import.name + "\"";
}

vm::HostFunction Bind(WasiProcess* process, const WasiFunctionSpec* spec,
                      std::atomic<uint64_t>* host_calls) {
  return [process, spec, host_calls](vm::HostCall& call) {
    if (host_calls != nullptr) host_calls->fetch_add(1, std::memory_order_relaxed);
    WasiCall wasi_call(*process, GuestMemory(call.memory()), call.args);
    Errno err = spec->handler(wasi_call);
    if (wasi_call.action == vm::HostAction::kExit) call.exit_code = wasi_call.exit_code;
    if (wasi_call.action != vm::HostAction::kReturn) return wasi_call.action;
    if (spec->returns_errno) call.results[0] = vm::Value::I32(uint16_t(err));
    return vm::HostAction::kReturn;
  };
}

// For WASI functions Shoal does not implement: whatever the guest declared,
// answer ENOSYS in an i32 result and zero in any other.
vm::HostFunction EnosysStub(std::vector<vm::ValType> result_types) {
  return [result_types](vm::HostCall& call) {
    for (size_t i = 0; i < call.results.size() && i < result_types.size(); ++i) {
      call.results[i] = vm::Value{result_types[i], 0, 0};
    }
    if (!call.results.empty() && result_types[0] == vm::ValType::kI32) {
      call.results[0] = vm::Value::I32(uint16_t(Errno::kNosys));
    }
    return vm::HostAction::kReturn;
  };
}

}  // namespace

Result<std::vector<vm::Extern>> WasiProcess::LinkImports(vm::Store& store,
                                                         const vm::Module& module) {
  std::vector<vm::Extern> externs;
  externs.reserve(module.imports.size());
  for (const vm::Import& import : module.imports) {
    if (import.module != kWasiModuleName) {
      return MakeError(Status::kLinkError, "unknown import " + ImportName(import));
    }
    externs.push_back(TRY(LinkImport(store, module, import)));
  }
  return externs;
}

Result<vm::Extern> WasiProcess::LinkImport(vm::Store& store, const vm::Module& module,
                                           const vm::Import& import) {
  if (import.module != kWasiModuleName) {
    return MakeError(Status::kLinkError, "unknown import " + ImportName(import));
  }
  if (import.kind != vm::ExternKind::kFunc || import.func_type_index >= module.types.size()) {
    return MakeError(Status::kLinkError,
                     "incompatible import type: " + ImportName(import) + " must be a function");
  }
  const vm::FuncType& wanted = module.types[import.func_type_index];
  const WasiFunctionSpec* spec = FindWasiFunction(import.name);
  vm::FuncAddr addr;
  if (spec == nullptr) {
    addr = store.AddHostFunction(wanted, EnosysStub(wanted.results),
                                 import.module + "." + import.name);
  } else {
    vm::FuncType type = SpecType(*spec);
    if (type != wanted) {
      return MakeError(Status::kLinkError, "incompatible import type: " + ImportName(import) +
                                               " is " + vm::FuncTypeString(type) +
                                               ", the module expects " +
                                               vm::FuncTypeString(wanted));
    }
    addr =
        store.AddHostFunction(std::move(type), Bind(this, spec, config_.host_calls), import.module + "." + import.name);
  }
  return vm::Extern{vm::ExternKind::kFunc, addr};
}

}  // namespace shoal::wasi
