// libFuzzer target: load, instantiate and run arbitrary modules.
//
// Every input that loads (decode + validate + compile) is instantiated in a
// fresh Store, its imports satisfied by trivial stand-ins of the right types,
// and each exported function is called with zero-valued arguments under a
// bounded amount of fuel. Whatever the module does, the VM must end in a
// result, a trap or an exhausted limit, never a crash or a sanitizer report.
// Build and run with tests/fuzz/build-and-run.sh.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kernel/vm/decoder.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/thread.h"

namespace {

using namespace shoal;
using namespace shoal::vm;

// Bounds that keep one input's work small: fuel per Run() call, Run() calls
// per input, and sizes above which a module is only loaded, not run.
constexpr uint64_t kFuelPerRun = 10000;
constexpr int kMaxRunsPerInput = 300;
constexpr uint64_t kMaxInitialPages = 256;
constexpr uint64_t kMaxInitialTableSize = 100000;

Value ZeroOf(ValType type) { return Value{type, 0, 0}; }

bool SmallEnoughToRun(const Module& m) {
  for (uint32_t i = 0; i < m.memory_count(); ++i) {
    if (m.memory_type(i).limits.min > kMaxInitialPages) return false;
  }
  for (uint32_t i = 0; i < m.table_count(); ++i) {
    if (m.table_type(i).limits.min > kMaxInitialTableSize) return false;
  }
  return true;
}

// Builds an Extern for each import: host functions returning zeros, fresh
// memories, tables and globals of the imported types.
bool MakeImports(Store& store, const Module& m, std::vector<Extern>* out) {
  for (const Import& imp : m.imports) {
    switch (imp.kind) {
      case ExternKind::kFunc: {
        const FuncType& type = m.types[imp.func_type_index];
        std::vector<ValType> results = type.results;
        HostFunction fn = [results](HostCall& call) {
          for (size_t i = 0; i < call.results.size() && i < results.size(); ++i) {
            call.results[i] = ZeroOf(results[i]);
          }
          return HostAction::kReturn;
        };
        out->push_back({ExternKind::kFunc, store.AddHostFunction(type, std::move(fn), "fuzz")});
        break;
      }
      case ExternKind::kTable: {
        Result<TableAddr> table = store.AddTable(imp.table);
        if (!table.ok()) return false;
        out->push_back({ExternKind::kTable, *table});
        break;
      }
      case ExternKind::kMemory: {
        Result<MemAddr> mem = store.AddMemory(imp.memory);
        if (!mem.ok()) return false;
        out->push_back({ExternKind::kMemory, *mem});
        break;
      }
      case ExternKind::kGlobal:
        out->push_back({ExternKind::kGlobal, store.AddGlobal(imp.global, ZeroOf(imp.global.type))});
        break;
    }
  }
  return true;
}

// Runs `addr` with zero arguments for a bounded number of fuel slices,
// charged to `runs_left`. False when the input should end here.
bool RunBounded(Store& store, FuncAddr addr, int* runs_left) {
  ThreadLimits limits;
  limits.max_call_depth = 2000;
  limits.max_stack_slots = 1u << 20;
  std::vector<Value> args;
  for (ValType t : store.func(addr).type.params) args.push_back(ZeroOf(t));
  Thread thread(store, limits);
  VoidResult called = thread.Call(addr, args);
  if (!called.ok()) {
    // Our own arguments are well typed, so kInvalidArgs is a VM bug; other
    // errors (e.g. an engine not built yet) just end this input.
    if (called.error().status == Status::kInvalidArgs) __builtin_trap();
    return false;
  }
  while ((*runs_left)-- > 0) {
    const RunStatus status = thread.Run(kFuelPerRun);
    if (status == RunStatus::kFinished) return true;
    if (status != RunStatus::kOutOfFuel && status != RunStatus::kYielded) return false;
  }
  return false;
}

// The deferred start function first (as the kernel runs it), then every
// exported function, within one budget of fuel slices.
void RunModule(Store& store, const Module& m, const Instance& instance) {
  int runs_left = kMaxRunsPerInput;
  if (std::optional<FuncAddr> start = instance.start_function()) {
    if (!RunBounded(store, *start, &runs_left)) return;
  }
  for (const Export& e : m.exports) {
    if (e.kind != ExternKind::kFunc || runs_left <= 0) continue;
    RunBounded(store, instance.funcs()[e.index], &runs_left);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Result<std::shared_ptr<const CompiledModule>> loaded =
      LoadModule(std::span<const uint8_t>(data, size));
  if (!loaded.ok()) return 0;
  // Decoded again (cheap) rather than read from the CompiledModule, so this
  // target depends only on the stable decoder and runtime interfaces.
  Result<Module> decoded = DecodeModule(std::span<const uint8_t>(data, size));
  if (!decoded.ok()) __builtin_trap();  // LoadModule() accepted it.
  const Module& m = *decoded;
  if (!SmallEnoughToRun(m)) return 0;

  Store store;
  std::vector<Extern> imports;
  if (!MakeImports(store, m, &imports)) return 0;
  Result<Instance*> instance =
      Instance::Instantiate(store, *loaded, imports, StartFunction::kDefer);
  if (!instance.ok()) return 0;  // Link errors and segment traps are fine.
  RunModule(store, m, **instance);
  return 0;
}
