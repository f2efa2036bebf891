#include "kernel/vm/interpreter.h"

#include <gtest/gtest.h>

#include "kernel/vm/compiled_module.h"

namespace shoal::vm {
namespace {

// Compiled with wat2wasm from:
//   (func $down (param i32) (result i32))      ;; recursion n deep, returns n
//   (func $forever (param i32) (result i32))   ;; unbounded recursion
//   (func "oob" (result i32))                  ;; i32.load offset=8 at 65530
//   (func "spin" (param i32) (result i32))     ;; a loop of n iterations
//   (func "div" (param i32 i32) (result i32))  ;; i32.div_s
//   (func "countdown" (param i32) (result i32)) ;; br_if on i32.eqz to 0
const uint8_t kProgram[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x07, 0x06, 0x00,
    0x00, 0x01, 0x00, 0x02, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x31, 0x06, 0x04, 0x64,
    0x6f, 0x77, 0x6e, 0x00, 0x00, 0x07, 0x66, 0x6f, 0x72, 0x65, 0x76, 0x65, 0x72, 0x00, 0x01,
    0x03, 0x6f, 0x6f, 0x62, 0x00, 0x02, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x03, 0x03, 0x64,
    0x69, 0x76, 0x00, 0x04, 0x09, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00,
    0x05, 0x0a, 0x64, 0x06, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x41,
    0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x00, 0x6a, 0x0b, 0x0b, 0x09, 0x00, 0x20, 0x00,
    0x41, 0x01, 0x6a, 0x10, 0x01, 0x0b, 0x09, 0x00, 0x41, 0xfa, 0xff, 0x03, 0x28, 0x02, 0x08,
    0x0b, 0x17, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20,
    0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x6d, 0x0b, 0x18, 0x00, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20,
    0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x00, 0x0b

};

class InterpreterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = LoadModule(kProgram);
    ASSERT_TRUE(m.ok()) << m.error().message;
    auto inst = Instance::Instantiate(store_, *m, {});
    ASSERT_TRUE(inst.ok()) << inst.error().message;
    instance_ = *inst;
  }
  FuncAddr Export(const char* name) { return instance_->GetExport(name)->addr; }

  Store store_;
  Instance* instance_ = nullptr;
};

TEST_F(InterpreterTest, TwentyThousandNestedCallsRunWithDefaultLimits) {
  auto r = Invoke(store_, Export("down"), std::vector<Value>{Value::I32(20000)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].i32(), 20000u);
}

TEST_F(InterpreterTest, UnboundedRecursionTrapsCleanly) {
  auto r = Invoke(store_, Export("forever"), std::vector<Value>{Value::I32(0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kExhausted);
  EXPECT_EQ(r.error().message.rfind("call stack exhausted", 0), 0u) << r.error().message;
}

TEST_F(InterpreterTest, OutOfBoundsLoadTrapsWithItsWasmOffset) {
  auto r = Invoke(store_, Export("oob"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kTrap);
  EXPECT_EQ(
      r.error().message.rfind("out of bounds memory access (in function 2 at offset 0x84)", 0), 0u)
      << r.error().message;
}

TEST_F(InterpreterTest, DivisionTrapsAreValues) {
  auto r = Invoke(store_, Export("div"), std::vector<Value>{Value::I32(1), Value::I32(0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("integer divide by zero", 0), 0u);
  r = Invoke(store_, Export("div"), std::vector<Value>{Value::I32(0x80000000u), Value::I32(-1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("integer overflow", 0), 0u);
}

TEST_F(InterpreterTest, FuelBoundsEachRunAndResumes) {
  Thread thread(store_);
  ASSERT_TRUE(thread.Call(Export("spin"), std::vector<Value>{Value::I32(1000)}).ok());
  int stops = 0;
  RunStatus st;
  while ((st = thread.Run(100)) == RunStatus::kOutOfFuel) ++stops;
  ASSERT_EQ(st, RunStatus::kFinished) << thread.trap_message();
  EXPECT_EQ(thread.results()[0].i32(), 1000u);
  // One unit per loop iteration plus one for the entry: 1001 units.
  EXPECT_EQ(thread.fuel_used(), 1001u);
  EXPECT_EQ(stops, 10);
}

TEST_F(InterpreterTest, BranchOnEqzFusesIntoAJumpIfZero) {
  // `i32.eqz; br_if` compiles to one instruction; under ASan this also checks
  // that the fusion never reads past the code it rewrites.
  auto r = Invoke(store_, Export("countdown"), std::vector<Value>{Value::I32(1000)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].i32(), 0u);
}

TEST_F(InterpreterTest, CallChecksArgumentTypes) {
  Thread thread(store_);
  EXPECT_FALSE(thread.Call(Export("spin"), std::vector<Value>{Value::I64(1)}).ok());
  EXPECT_FALSE(thread.Call(Export("spin"), {}).ok());
}

}  // namespace
}  // namespace shoal::vm
