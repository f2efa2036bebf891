// Thread images are Wasm frames: the same image whatever slot layout the
// compiler chose, restorable under another layout at every kind of safepoint
// (entry, loop, a yielding call, caller frames of a deep recursion, with
// v128 and reference values on the operand stack), and checked value by
// value when restored.
#include <gtest/gtest.h>

#include <set>

#include "kernel/vm/snapshot.h"
#include "kernel/vm/snapshot_test_util.h"

namespace shoal::vm {
namespace {

using snapshot_testing::BuildWith;
using snapshot_testing::Compile;
using snapshot_testing::kPadded;
using snapshot_testing::Outcome;
using snapshot_testing::Process;
using snapshot_testing::RunMoving;
using Host = snapshot_testing::YieldingHost;  // wait(x) = 3x, after a yield every other call.

// Compiled with wat2wasm 1.0.32 from:
//   (module
//     (import "env" "wait" (func $wait (param i32) (result i32)))
//     (type $ii (func (param i32) (result i32)))
//     (memory (export "mem") 1)
//     (table 2 funcref)
//     (elem (i32.const 0) $wait $sq)
//     (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
//     (func $rec (export "rec") (param $n i32) (param $r externref) (result v128)
//       (local $f funcref) (local $k i32) (local $b v128)
//       (local.set $f (ref.func $sq))
//       (if (result v128) (i32.eqz (local.get $n))
//         (then (i32x4.splat (call $wait (i32.const 7))))
//         (else
//           (i32x4.splat (local.get $n))
//           (local.get $f)
//           (local.get $r)
//           (i32.mul (local.get $n) (i32.const 3))
//           (call $rec (i32.sub (local.get $n) (i32.const 1)) (local.get $r))
//           (local.set $b)
//           (local.set $k)
//           (ref.is_null) (local.get $k) (i32.add) (local.set $k)
//           (local.set $f)
//           (table.set 0 (i32.const 1) (local.get $f))
//           (local.set $k (i32.add (local.get $k)
//                                  (call_indirect (type $ii) (local.get $n) (i32.const 1))))
//           (i32x4.add (local.get $b))
//           (i32x4.add (i32x4.splat (local.get $k))))))
//     (func (export "run") (param $n i32) (param $r externref) (result i64)
//       (local $i i32) (local $sel i32) (local $v v128)
//       (ref.func $sq)
//       (v128.const i64x2 1 2)
//       (loop $l (param v128) (result v128)
//         (local.set $v)
//         (local.set $v (i32x4.add (local.get $v)
//                                  (call $rec (i32.and (local.get $i) (i32.const 15)) (local.get
//                                  $r))))
//         (i64.store (i32.mul (local.get $i) (i32.const 8))
//                    (i64.extend_i32_u (call_indirect (type $ii) (local.get $i) (local.get $sel))))
//         (local.set $i (i32.add (local.get $i) (i32.const 1)))
//         (local.get $v)
//         (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
//       (local.set $v)
//       (i64.extend_i32_u (ref.is_null))
//       (i64.add (i64x2.extract_lane 0 (local.get $v)))
//       (i64.add (i64x2.extract_lane 1 (local.get $v)))))
const uint8_t kFrames[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x17, 0x04, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x6f, 0x01, 0x7b, 0x60, 0x02, 0x7f, 0x6f, 0x01, 0x7e, 0x60, 0x01, 0x7b, 0x01,
    0x7b, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x77, 0x61, 0x69, 0x74, 0x00, 0x00, 0x03,
    0x04, 0x03, 0x00, 0x01, 0x02, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x13, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x72, 0x65, 0x63, 0x00, 0x02, 0x03,
    0x72, 0x75, 0x6e, 0x00, 0x03, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x01, 0x0a,
    0xc3, 0x01, 0x03, 0x07, 0x00, 0x20, 0x00, 0x20, 0x00, 0x6c, 0x0b, 0x59, 0x03, 0x01, 0x70, 0x01,
    0x7f, 0x01, 0x7b, 0xd2, 0x01, 0x21, 0x02, 0x20, 0x00, 0x45, 0x04, 0x7b, 0x41, 0x07, 0x10, 0x00,
    0xfd, 0x11, 0x05, 0x20, 0x00, 0xfd, 0x11, 0x20, 0x02, 0x20, 0x01, 0x20, 0x00, 0x41, 0x03, 0x6c,
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x20, 0x01, 0x10, 0x02, 0x21, 0x04, 0x21, 0x03, 0xd1, 0x20, 0x03,
    0x6a, 0x21, 0x03, 0x21, 0x02, 0x41, 0x01, 0x20, 0x02, 0x26, 0x00, 0x20, 0x03, 0x20, 0x00, 0x41,
    0x01, 0x11, 0x00, 0x00, 0x6a, 0x21, 0x03, 0x20, 0x04, 0xfd, 0xae, 0x01, 0x20, 0x03, 0xfd, 0x11,
    0xfd, 0xae, 0x01, 0x0b, 0x0b, 0x5f, 0x02, 0x02, 0x7f, 0x01, 0x7b, 0xd2, 0x01, 0xfd, 0x0c, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
    0x03, 0x21, 0x04, 0x20, 0x04, 0x20, 0x02, 0x41, 0x0f, 0x71, 0x20, 0x01, 0x10, 0x02, 0xfd, 0xae,
    0x01, 0x21, 0x04, 0x20, 0x02, 0x41, 0x08, 0x6c, 0x20, 0x02, 0x20, 0x03, 0x11, 0x00, 0x00, 0xad,
    0x37, 0x03, 0x00, 0x20, 0x02, 0x41, 0x01, 0x6a, 0x21, 0x02, 0x20, 0x04, 0x20, 0x02, 0x20, 0x00,
    0x49, 0x0d, 0x00, 0x0b, 0x21, 0x04, 0xd1, 0xad, 0x20, 0x04, 0xfd, 0x1d, 0x00, 0x7c, 0x20, 0x04,
    0xfd, 0x1d, 0x01, 0x7c, 0x0b,
};

// Function indices.
constexpr uint32_t kSq = 1, kRec = 2, kRun = 3;
constexpr uint64_t kHostRef = 41;  // The externref run() gets.

std::vector<Value> Args(uint32_t n) { return {Value::I32(n), Value::Extern(kHostRef)}; }

class SnapshotFramesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plain_ = Compile(kFrames);
    padded_ = Compile(kFrames, kPadded);
    ASSERT_NE(plain_, nullptr);
    ASSERT_NE(padded_, nullptr);
    ASSERT_NE(plain_->function(kRec).operand_base, padded_->function(kRec).operand_base);
  }

  // Steps run(n) one unit of fuel at a time in `module` and returns the
  // image of the first stop that `want` accepts.
  ThreadImage FirstImage(const std::shared_ptr<const CompiledModule>& module, uint32_t n,
                         const std::function<bool(const ThreadImage&)>& want) {
    Host host;
    auto p = BuildWith(host)(module);
    EXPECT_TRUE(p->thread->Call(p->instance->GetExport("run")->addr, Args(n)).ok());
    for (int i = 0; i < 100'000; ++i) {
      const RunStatus st = p->thread->Run(1);
      if (st != RunStatus::kOutOfFuel && st != RunStatus::kYielded) break;
      Result<ThreadImage> image = CaptureThread(*p->thread, *p->instance);
      EXPECT_TRUE(image.ok()) << image.error().message;
      if (image.ok() && want(*image)) return *image;
    }
    ADD_FAILURE() << "no stop matched";
    return {};
  }

  std::shared_ptr<const CompiledModule> plain_, padded_;
};

bool HasType(const std::vector<Value>& values, ValType type) {
  for (const Value& v : values) {
    if (v.type == type) return true;
  }
  return false;
}

TEST_F(SnapshotFramesTest, EverySafepointMovesBetweenSlotLayouts) {
  Host host;
  auto unbounded = [](int) { return UINT64_MAX; };
  const Outcome plain = RunMoving({plain_}, BuildWith(host), "run", Args(20), unbounded, false);
  const Outcome padded = RunMoving({padded_}, BuildWith(host), "run", Args(20), unbounded, false);
  ASSERT_EQ(plain.results.size(), 1u);
  EXPECT_EQ(padded.results, plain.results);

  std::set<SafepointKind> top_kinds;
  size_t deepest = 0;
  bool caller_v128 = false, caller_funcref = false, caller_externref = false;
  bool loop_operands = false, call_operands = false;
  const Outcome moved = RunMoving(
      {plain_, padded_}, BuildWith(host), "run", Args(20), [](int) { return 1; }, true,
      [&](const ThreadImage& image) {
        const FrameImage& top = image.frames.back();
        top_kinds.insert(top.kind);
        deepest = std::max(deepest, image.frames.size());
        loop_operands |= top.kind == SafepointKind::kLoop && top.operands.size() == 2;
        call_operands |= top.kind == SafepointKind::kCall && !top.operands.empty();
        for (size_t i = 0; i + 1 < image.frames.size(); ++i) {
          caller_v128 |= HasType(image.frames[i].operands, ValType::kV128);
          caller_funcref |= HasType(image.frames[i].operands, ValType::kFuncRef);
          caller_externref |= HasType(image.frames[i].operands, ValType::kExternRef);
        }
      });
  EXPECT_EQ(moved.results, plain.results);
  EXPECT_TRUE(moved.memory == plain.memory);
  EXPECT_EQ(top_kinds, (std::set<SafepointKind>{SafepointKind::kEntry, SafepointKind::kLoop,
                                                SafepointKind::kCall}));
  EXPECT_EQ(deepest, 17u) << "run, then rec 16 deep, then sq";
  EXPECT_TRUE(caller_v128 && caller_funcref && caller_externref);
  EXPECT_TRUE(loop_operands && call_operands);
}

TEST_F(SnapshotFramesTest, ADeepRecursionMovesBetweenLayouts) {
  // rec(3000) yields in wait() under 3001 frames; each stop moves it.
  Host host;
  auto unbounded = [](int) { return UINT64_MAX; };
  const std::vector<Value> args = {Value::I32(3000), Value::Extern(kHostRef)};
  const Outcome plain = RunMoving({plain_}, BuildWith(host), "rec", args, unbounded, false);
  ASSERT_EQ(plain.results.size(), 1u);
  size_t deepest = 0;
  const Outcome moved = RunMoving(
      {padded_, plain_}, BuildWith(host), "rec", args, unbounded, true,
      [&](const ThreadImage& image) { deepest = std::max(deepest, image.frames.size()); });
  EXPECT_EQ(deepest, 3001u);
  EXPECT_EQ(moved.results, plain.results);
  EXPECT_TRUE(moved.memory == plain.memory);
}

TEST_F(SnapshotFramesTest, ImageIsTheSameUnderEitherLayout) {
  // Stopped in wait() at the bottom of a recursion 5 deep.
  auto deep_wait = [](const ThreadImage& image) {
    return image.frames.size() == 7 && image.frames.back().kind == SafepointKind::kCall;
  };
  const ThreadImage a = FirstImage(plain_, 8, deep_wait);
  const ThreadImage b = FirstImage(padded_, 8, deep_wait);
  ASSERT_EQ(a.frames.size(), 7u);
  EXPECT_TRUE(a == b);

  // run: suspended in the call of rec, with the funcref pushed before the
  // loop and v below the call's arguments.
  const FrameImage& run = a.frames[0];
  EXPECT_EQ(run.func_index, kRun);
  EXPECT_EQ(run.kind, SafepointKind::kReturn);
  ASSERT_EQ(run.locals.size(), 5u);
  EXPECT_EQ(run.locals[0], Value::I32(8));
  EXPECT_EQ(run.locals[1], Value::Extern(kHostRef));
  EXPECT_EQ(run.locals[2], Value::I32(5));  // i
  ASSERT_EQ(run.operands.size(), 2u);
  EXPECT_EQ(run.operands[0].type, ValType::kFuncRef);
  EXPECT_FALSE(run.operands[0].is_null());
  EXPECT_EQ(run.operands[1].type, ValType::kV128);
  // rec(n): v128, funcref, externref and i32 below the recursive call.
  for (uint32_t depth = 1; depth < 6; ++depth) {
    const FrameImage& rec = a.frames[depth];
    const uint32_t n = 6 - depth;
    EXPECT_EQ(rec.func_index, kRec);
    ASSERT_EQ(rec.locals.size(), 5u);
    EXPECT_EQ(rec.locals[0], Value::I32(n));
    ASSERT_EQ(rec.operands.size(), 4u) << "depth " << depth;
    EXPECT_EQ(rec.operands[0], Value::V128(uint64_t(n) << 32 | n, uint64_t(n) << 32 | n));
    EXPECT_EQ(rec.operands[1], run.operands[0]);
    EXPECT_EQ(rec.operands[2], Value::Extern(kHostRef));
    EXPECT_EQ(rec.operands[3], Value::I32(3 * n));
  }
  // rec(0), stopped at the call of wait(7): the argument is its operand.
  EXPECT_EQ(a.frames[6].func_index, kRec);
  EXPECT_EQ(a.frames[6].kind, SafepointKind::kCall);
  EXPECT_EQ(a.frames[6].operands, std::vector<Value>{Value::I32(7)});
}

TEST_F(SnapshotFramesTest, CallIndirectTableIndexIsAnOperand) {
  // run's call_indirect of wait through the table index in local $sel (0).
  auto at_call_indirect = [](const ThreadImage& image) {
    return image.frames.size() == 1 && image.frames[0].kind == SafepointKind::kCall;
  };
  const ThreadImage a = FirstImage(plain_, 4, at_call_indirect);
  const ThreadImage b = FirstImage(padded_, 4, at_call_indirect);
  ASSERT_EQ(a.frames.size(), 1u);
  EXPECT_TRUE(a == b);
  const std::vector<Value>& ops = a.frames[0].operands;
  ASSERT_EQ(ops.size(), 4u);  // funcref, the store's address, the argument, the table index.
  EXPECT_EQ(ops[3], Value::I32(0));

  Host host;
  auto q = BuildWith(host)(padded_);
  ThreadImage bad = a;
  bad.frames[0].operands[3] = Value::I32(1);
  VoidResult r = RestoreThread(*q->thread, *q->instance, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "snapshot: frame 0: operand 3 (call_indirect's table index) differs from local 3, "
            "which it was read from");
  EXPECT_TRUE(RestoreThread(*q->thread, *q->instance, a).ok());
}

TEST_F(SnapshotFramesTest, CorruptFramesAreRejectedWithPreciseMessages) {
  const ThreadImage image = FirstImage(plain_, 8, [](const ThreadImage& i) {
    return i.frames.size() == 7 && i.frames.back().kind == SafepointKind::kCall;
  });
  ASSERT_EQ(image.frames.size(), 7u);
  Host host;
  auto q = BuildWith(host)(padded_);
  const uint32_t sq_entry = plain_->module().functions[kSq - 1].code_offset;

  struct Case {
    const char* what;
    std::function<void(ThreadImage&)> corrupt;
    std::string message;
  };
  const Case cases[] = {
      {"a local too few", [](ThreadImage& i) { i.frames[1].locals.pop_back(); },
       "frame 1 has 4 locals, expected 5"},
      {"a local of another type",
       [](ThreadImage& i) { i.frames[1].locals[0].type = ValType::kI64; },
       "frame 1: local 0 is i64, expected i32"},
      {"an operand too many", [](ThreadImage& i) { i.frames[2].operands.push_back(Value::I32(0)); },
       "frame 2 has 5 operands, expected 4"},
      {"operands of other types",
       [](ThreadImage& i) { std::swap(i.frames[2].operands[1], i.frames[2].operands[2]); },
       "frame 2: operand 1 is externref, expected funcref"},
      {"an i32 wider than 32 bits",
       [](ThreadImage& i) { i.frames[3].operands[3].lo |= 1ull << 40; },
       "frame 3: operand 3 has bits above 32"},
      {"a function that does not exist",
       [](ThreadImage& i) { i.frames[1].operands[1] = Value::Func(999); },
       "frame 1: operand 1 names no function"},
      {"a caller not at a call", [](ThreadImage& i) { i.frames[1].kind = SafepointKind::kLoop; },
       "frame 1 is at a safepoint of kind loop; a caller frame must be at a return"},
      {"the top at a return", [](ThreadImage& i) { i.frames[6].kind = SafepointKind::kReturn; },
       "frame 6 is at a safepoint of kind return; the last frame must be at an entry, loop or "
       "call"},
      {"a kind that does not exist", [](ThreadImage& i) { i.frames[6].kind = SafepointKind(77); },
       "frame 6 is at a safepoint of kind unknown (77)"},
      {"an offset that is no safepoint", [](ThreadImage& i) { i.frames[6].wasm_offset += 1; },
       "frame 6: function 2 has no call safepoint at offset "},
      {"an imported function", [](ThreadImage& i) { i.frames[3].func_index = 0; },
       "frame 3 names no defined function (0)"},
      {"a callee that is not the one called",
       [&](ThreadImage& i) {
         i.frames.resize(2);
         i.frames[1] = FrameImage{kSq, sq_entry, SafepointKind::kEntry, {Value::I32(3)}, {}};
       },
       "frame 1 runs function 1, but frame 0 called function 2"},
      {"other result types", [](ThreadImage& i) { i.result_types = {ValType::kI32}; },
       "result types do not match the entry function's type "},
      {"no frames", [](ThreadImage& i) { i.frames.clear(); }, "no frames"},
  };
  for (const Case& c : cases) {
    ThreadImage bad = image;
    c.corrupt(bad);
    VoidResult r = RestoreThread(*q->thread, *q->instance, bad);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().status, Status::kInvalidArgs) << c.what;
    EXPECT_EQ(r.error().message.rfind("snapshot: " + c.message, 0), 0u)
        << c.what << ": " << r.error().message;
    EXPECT_TRUE(q->thread->idle()) << c.what << ": nothing is written unless all checks pass";
  }
  // The intact image restores, and the thread finishes as it would have.
  ASSERT_TRUE(RestoreThread(*q->thread, *q->instance, image).ok());
  RunStatus st = q->thread->Run(UINT64_MAX);
  while (st == RunStatus::kYielded) st = q->thread->Run(UINT64_MAX);
  EXPECT_EQ(st, RunStatus::kFinished);
}

}  // namespace
}  // namespace shoal::vm
