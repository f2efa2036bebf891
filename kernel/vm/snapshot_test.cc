// The hard test of invariant 1: a program stopped at random safepoints,
// captured, and restored into a fresh store after every stop, must end
// exactly as an uninterrupted run does.
#include "kernel/vm/snapshot.h"

#include <gtest/gtest.h>

#include <random>

#include "kernel/vm/snapshot_test_util.h"

namespace shoal::vm {
namespace {

using snapshot_testing::BuildWith;
using snapshot_testing::Compile;
using snapshot_testing::kPadded;
using snapshot_testing::Outcome;
using snapshot_testing::Process;
using snapshot_testing::RunMoving;
using Host = snapshot_testing::YieldingHost;

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

std::unique_ptr<Process> Build(const std::shared_ptr<const CompiledModule>& module, Host& host) {
  return BuildWith(host)(module);
}

FuncAddr RunExport(Process& p) { return p.instance->GetExport("run")->addr; }

Outcome RunWithSnapshots(const std::shared_ptr<const CompiledModule>& module, uint32_t n,
                         uint32_t seed, bool snapshot) {
  Host host;
  std::mt19937 rng(seed);
  return RunMoving(
      {module}, BuildWith(host), "run", {Value::I32(n)},
      [&](int) { return snapshot ? 1 + rng() % 40 : UINT64_MAX; }, snapshot);
}

std::shared_ptr<const CompiledModule> LoadProgram(CompileOptions options = {}) {
  return Compile(kProgram, options);
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

TEST(SnapshotTest, EverySafepointMovesBetweenSlotLayouts) {
  // One unit of fuel a run: the program stops at every function entry and
  // loop header it reaches, and at every yielding host call, and each time
  // moves to a process whose compiler laid the frames out differently.
  auto plain_layout = LoadProgram();
  auto padded_layout = LoadProgram(kPadded);
  ASSERT_NE(plain_layout, nullptr);
  ASSERT_NE(padded_layout, nullptr);
  Host host;
  const Outcome plain = RunMoving(
      {plain_layout}, BuildWith(host), "run", {Value::I32(40)}, [](int) { return UINT64_MAX; },
      false);
  const Outcome padded = RunMoving(
      {padded_layout}, BuildWith(host), "run", {Value::I32(40)}, [](int) { return UINT64_MAX; },
      false);
  ASSERT_EQ(plain.results.size(), 1u);
  EXPECT_EQ(padded.results, plain.results);
  const Outcome moved = RunMoving(
      {plain_layout, padded_layout}, BuildWith(host), "run", {Value::I32(40)},
      [](int) { return 1; }, true);
  EXPECT_GT(moved.stops, 1000);
  EXPECT_EQ(moved.results, plain.results);
  EXPECT_TRUE(moved.memory == plain.memory);
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
