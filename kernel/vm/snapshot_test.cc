// The hard test of invariant 1: a program stopped at random safepoints,
// captured, and restored into a fresh store after every stop, must end
// exactly as an uninterrupted run does.
#include "kernel/vm/snapshot.h"

#include <gtest/gtest.h>

#include <random>

#include "kernel/vm/compiled_module.h"

namespace shoal::vm {
namespace {

// tests/snapshot_prog.wat (kept in the comment below), compiled with
// wat2wasm: a loop that stores fib(i & 15) + tick(i) into memory, adds
// call_indirect results to a global, and sums memory back.
//   (import "env" "tick" (func $tick (param i32) (result i32)))  ;; yields
//   (memory 1) (global $g (mut i64)) (table 2 funcref) (elem $sq $inc)
//   (func $fib ...recursive...)
//   (func (export "run") (param $n i32) (result i64) ...)
const uint8_t kProgram[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x01, 0x7e, 0x01, 0x7e,
    0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7e, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e,
    0x76, 0x04, 0x74, 0x69, 0x63, 0x6b, 0x00, 0x01, 0x03, 0x05, 0x04, 0x00, 0x00, 0x01, 0x02, 0x04,
    0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7e, 0x01, 0x42,
    0x00, 0x0b, 0x07, 0x0d, 0x02, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x72, 0x75, 0x6e, 0x00,
    0x04, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x0a, 0x7c, 0x04, 0x07, 0x00,
    0x20, 0x00, 0x20, 0x00, 0x7e, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7c, 0x0b, 0x1c, 0x00,
    0x20, 0x00, 0x41, 0x02, 0x49, 0x04, 0x7f, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
    0x03, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x03, 0x6a, 0x0b, 0x0b, 0x4d, 0x02, 0x01, 0x7f, 0x01,
    0x7e, 0x03, 0x40, 0x20, 0x01, 0x41, 0x04, 0x6c, 0x20, 0x01, 0x41, 0x0f, 0x71, 0x10, 0x03, 0x20,
    0x01, 0x10, 0x00, 0x6a, 0x36, 0x02, 0x00, 0x23, 0x00, 0x20, 0x01, 0xad, 0x20, 0x01, 0x41, 0x01,
    0x71, 0x11, 0x00, 0x00, 0x7c, 0x24, 0x00, 0x20, 0x02, 0x20, 0x01, 0x41, 0x04, 0x6c, 0x35, 0x02,
    0x00, 0x7c, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x20, 0x00, 0x49,
    0x0d, 0x00, 0x0b, 0x20, 0x02, 0x23, 0x00, 0x7c, 0x0b

};

// The host's side of the program: tick(i) = 3i, but every other call first
// yields, as a host call that must wait would. The yield decision is host
// state that lives outside the store, like the kernel's.
struct Host {
  uint64_t calls = 0;
};

struct Process {
  Store store;
  Instance* instance = nullptr;
  std::unique_ptr<Thread> thread;
};

std::unique_ptr<Process> Build(const std::shared_ptr<const CompiledModule>& module, Host& host) {
  auto p = std::make_unique<Process>();
  FuncAddr tick = p->store.AddHostFunction(
      FuncType{{ValType::kI32}, {ValType::kI32}},
      [&host](HostCall& call) {
        if (host.calls++ % 2 == 0) return HostAction::kYield;
        call.results[0] = Value::I32(call.args[0].i32() * 3);
        return HostAction::kReturn;
      },
      "tick");
  Extern imports[] = {{ExternKind::kFunc, tick}};
  auto inst = Instance::Instantiate(p->store, module, imports);
  EXPECT_TRUE(inst.ok()) << inst.error().message;
  p->instance = *inst;
  p->thread = std::make_unique<Thread>(p->store);
  return p;
}

FuncAddr RunExport(Process& p) { return p.instance->GetExport("run")->addr; }

struct Outcome {
  std::vector<Value> results;
  std::vector<uint8_t> memory;
  int stops = 0;
};

Outcome RunWithSnapshots(const std::shared_ptr<const CompiledModule>& module, uint32_t n,
                         uint32_t seed, bool snapshot) {
  Host host;
  std::unique_ptr<Process> p = Build(module, host);
  EXPECT_TRUE(p->thread->Call(RunExport(*p), std::vector<Value>{Value::I32(n)}).ok());
  std::mt19937 rng(seed);
  Outcome out;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    const RunStatus st = p->thread->Run(snapshot ? 1 + rng() % 40 : UINT64_MAX);
    if (st == RunStatus::kFinished) break;
    EXPECT_TRUE(st == RunStatus::kOutOfFuel || st == RunStatus::kYielded)
        << p->thread->trap_message();
    if (st != RunStatus::kOutOfFuel && st != RunStatus::kYielded) return out;
    ++out.stops;
    if (!snapshot) continue;
    InstanceImage inst_image = CaptureInstance(*p->instance);
    Result<ThreadImage> thread_image = CaptureThread(*p->thread, *p->instance);
    EXPECT_TRUE(thread_image.ok()) << thread_image.error().message;
    if (!thread_image.ok()) return out;
    p = Build(module, host);  // A fresh store, as on another node.
    EXPECT_TRUE(RestoreInstance(*p->instance, inst_image).ok());
    VoidResult r = RestoreThread(*p->thread, *p->instance, *thread_image);
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  out.results = p->thread->results();
  Memory& mem = p->store.memory(p->instance->memories()[0]);
  out.memory.assign(mem.data(), mem.data() + mem.size_bytes());
  return out;
}

std::shared_ptr<const CompiledModule> LoadProgram() {
  auto m = LoadModule(kProgram);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return m.ok() ? *m : nullptr;
}

TEST(SnapshotTest, RestoreAtRandomSafepointsMatchesAnUninterruptedRun) {
  auto module = LoadProgram();
  ASSERT_NE(module, nullptr);
  const Outcome plain = RunWithSnapshots(module, 100, 0, false);
  ASSERT_EQ(plain.results.size(), 1u);
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    const Outcome snap = RunWithSnapshots(module, 100, seed, true);
    EXPECT_GT(snap.stops, 50) << "the run should stop (and move) many times";
    EXPECT_EQ(snap.results, plain.results) << "seed " << seed;
    EXPECT_TRUE(snap.memory == plain.memory) << "seed " << seed;
  }
}

TEST(SnapshotTest, CorruptImagesAreRejectedNotTrusted) {
  auto module = LoadProgram();
  ASSERT_NE(module, nullptr);
  Host host;
  auto p = Build(module, host);
  ASSERT_TRUE(p->thread->Call(RunExport(*p), std::vector<Value>{Value::I32(50)}).ok());
  RunStatus st = p->thread->Run(7);
  while (st == RunStatus::kYielded) st = p->thread->Run(7);
  ASSERT_EQ(st, RunStatus::kOutOfFuel);
  Result<ThreadImage> image = CaptureThread(*p->thread, *p->instance);
  ASSERT_TRUE(image.ok()) << image.error().message;

  auto q = Build(module, host);
  ThreadImage bad = *image;
  bad.frames.back().wasm_offset += 1;  // Not a safepoint.
  EXPECT_FALSE(RestoreThread(*q->thread, *q->instance, bad).ok());
  bad = *image;
  bad.frames.back().func_index = 999;
  EXPECT_FALSE(RestoreThread(*q->thread, *q->instance, bad).ok());
  bad = *image;
  bad.frames.back().locals.pop_back();
  EXPECT_FALSE(RestoreThread(*q->thread, *q->instance, bad).ok());
  bad = *image;
  bad.frames.clear();
  EXPECT_FALSE(RestoreThread(*q->thread, *q->instance, bad).ok());
  // The intact image still restores.
  EXPECT_TRUE(RestoreThread(*q->thread, *q->instance, *image).ok());

  InstanceImage inst = CaptureInstance(*p->instance);
  inst.memories[0].resize(100);  // Not a whole number of pages.
  EXPECT_FALSE(RestoreInstance(*q->instance, inst).ok());
}

TEST(SnapshotTest, ThreadMidRunCannotBeCapturedWhileIdle) {
  auto module = LoadProgram();
  ASSERT_NE(module, nullptr);
  Host host;
  auto p = Build(module, host);
  EXPECT_FALSE(CaptureThread(*p->thread, *p->instance).ok());  // No call yet.
}

}  // namespace
}  // namespace shoal::vm
