// Test helpers for snapshots: a module compiled under two frame layouts, and
// a run that moves its thread into a fresh store after every stop, as
// migration moves a process to another node.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/compiler.h"
#include "kernel/vm/decoder.h"
#include "kernel/vm/snapshot.h"
#include "kernel/vm/validator.h"

namespace shoal::vm::snapshot_testing {

// Compiles `bytes` with `options` (a slot layout); null after a failure.
inline std::shared_ptr<const CompiledModule> Compile(std::span<const uint8_t> bytes,
                                                     CompileOptions options = {}) {
  Result<Module> m = DecodeModule(bytes);
  EXPECT_TRUE(m.ok()) << m.error().message;
  if (!m.ok() || !ValidateModule(*m).ok()) return nullptr;
  auto compiled = CompileModule(std::move(*m), options);
  EXPECT_TRUE(compiled.ok()) << compiled.error().message;
  return compiled.ok() ? *compiled : nullptr;
}

// Extra slots between locals and operands: every operand, and every callee's
// frame base, sits elsewhere than in the default layout; odd, so that v128
// halves change parity too.
inline constexpr CompileOptions kPadded{.operand_padding = 3};

struct Process {
  Store store;
  Instance* instance = nullptr;
  std::unique_ptr<Thread> thread;
};

// Builds a process: a store with the module's host functions and an instance.
using Builder = std::function<std::unique_ptr<Process>(std::shared_ptr<const CompiledModule>)>;

// The host side of the test programs: their one import, (i32) -> i32,
// returns 3x, but every other call first yields, as a host call that must
// wait would. The yield decision is host state that lives outside the store,
// like the kernel's.
struct YieldingHost {
  uint64_t calls = 0;
};

inline Builder BuildWith(YieldingHost& host) {
  return [&host](std::shared_ptr<const CompiledModule> module) {
    auto p = std::make_unique<Process>();
    FuncAddr f = p->store.AddHostFunction(
        FuncType{{ValType::kI32}, {ValType::kI32}},
        [&host](HostCall& call) {
          if (host.calls++ % 2 == 0) return HostAction::kYield;
          call.results[0] = Value::I32(call.args[0].i32() * 3);
          return HostAction::kReturn;
        },
        "yielding");
    Extern imports[] = {{ExternKind::kFunc, f}};
    auto inst = Instance::Instantiate(p->store, std::move(module), imports);
    EXPECT_TRUE(inst.ok()) << inst.error().message;
    p->instance = *inst;
    p->thread = std::make_unique<Thread>(p->store);
    return p;
  };
}

struct Outcome {
  std::vector<Value> results;
  std::vector<uint8_t> memory;  // Memory 0.
  int stops = 0;
};

// Runs `func` (an export) with `args`, giving each Run() `quantum(stop)`
// fuel. With `moves`, after every stop the thread is captured and restored
// into a fresh process built from modules[stop % size] (alternating layouts),
// and `inspect` sees each image.
inline Outcome RunMoving(const std::vector<std::shared_ptr<const CompiledModule>>& modules,
                         const Builder& build, const char* func, std::vector<Value> args,
                         const std::function<uint64_t(int)>& quantum, bool moves,
                         const std::function<void(const ThreadImage&)>& inspect = {}) {
  Outcome out;
  std::unique_ptr<Process> p = build(modules[0]);
  EXPECT_TRUE(p->thread->Call(p->instance->GetExport(func)->addr, args).ok());
  for (int guard = 0; guard < 10'000'000; ++guard) {
    const RunStatus st = p->thread->Run(quantum(out.stops));
    if (st == RunStatus::kFinished) break;
    EXPECT_TRUE(st == RunStatus::kOutOfFuel || st == RunStatus::kYielded)
        << p->thread->trap_message();
    if (st != RunStatus::kOutOfFuel && st != RunStatus::kYielded) return out;
    ++out.stops;
    if (!moves) continue;
    InstanceImage inst_image = CaptureInstance(*p->instance);
    Result<ThreadImage> thread_image = CaptureThread(*p->thread, *p->instance);
    EXPECT_TRUE(thread_image.ok()) << thread_image.error().message;
    if (!thread_image.ok()) return out;
    if (inspect) inspect(*thread_image);
    p = build(modules[out.stops % modules.size()]);  // A fresh store, as on another node.
    EXPECT_TRUE(RestoreInstance(*p->instance, inst_image).ok());
    VoidResult r = RestoreThread(*p->thread, *p->instance, *thread_image);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return out;
  }
  out.results = p->thread->results();
  if (!p->instance->memories().empty()) {
    Memory& mem = p->store.memory(p->instance->memories()[0]);
    out.memory.assign(mem.data(), mem.data() + mem.size_bytes());
  }
  return out;
}

}  // namespace shoal::vm::snapshot_testing
