#include "tools/spec/spectest_host.h"

#include <cstdio>
#include <vector>

#include "tools/spec/spec_value.h"

namespace shoal::spec {
namespace {

using vm::ValType;

struct PrintFunction {
  const char* name;
  std::vector<ValType> params;
};

}  // namespace

Result<ExportMap> AddSpectestModule(vm::Store& store, PrintCalls print) {
  ExportMap exports;
  const PrintFunction kPrints[] = {
      {"print", {}},
      {"print_i32", {ValType::kI32}},
      {"print_i64", {ValType::kI64}},
      {"print_f32", {ValType::kF32}},
      {"print_f64", {ValType::kF64}},
      {"print_i32_f32", {ValType::kI32, ValType::kF32}},
      {"print_f64_f64", {ValType::kF64, ValType::kF64}},
  };
  for (const PrintFunction& p : kPrints) {
    std::string name = p.name;
    vm::HostFunction fn = [print, name](vm::HostCall& call) {
      if (print == PrintCalls::kToStdout) {
        std::string line = "spectest." + name + "(";
        for (size_t i = 0; i < call.args.size(); ++i) {
          if (i) line += ", ";
          line += FormatValue(call.args[i]);
        }
        std::printf("%s)\n", line.c_str());
      }
      return vm::HostAction::kReturn;
    };
    vm::FuncAddr addr =
        store.AddHostFunction(vm::FuncType{p.params, {}}, std::move(fn), "spectest." + name);
    exports[name] = vm::Extern{vm::ExternKind::kFunc, addr};
  }

  // 666.6 rounded to f32 and to f64, as bit patterns.
  constexpr uint32_t kF32Bits = 0x4426a666;
  constexpr uint64_t kF64Bits = 0x4084d4cccccccccd;
  auto global = [&](const char* name, ValType type, uint64_t bits) {
    vm::GlobalAddr addr =
        store.AddGlobal(vm::GlobalType{type, vm::Mutability::kConst}, vm::Value{type, bits, 0});
    exports[name] = vm::Extern{vm::ExternKind::kGlobal, addr};
  };
  global("global_i32", ValType::kI32, 666);
  global("global_i64", ValType::kI64, 666);
  global("global_f32", ValType::kF32, kF32Bits);
  global("global_f64", ValType::kF64, kF64Bits);

  vm::TableAddr table = TRY(store.AddTable(vm::TableType{ValType::kFuncRef, vm::Limits{10, 20}}));
  exports["table"] = vm::Extern{vm::ExternKind::kTable, table};
  vm::MemAddr memory = TRY(store.AddMemory(vm::MemoryType{vm::Limits{1, 2}}));
  exports["memory"] = vm::Extern{vm::ExternKind::kMemory, memory};
  return exports;
}

}  // namespace shoal::spec
