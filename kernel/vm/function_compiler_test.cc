// The register-form compiler's rewrites, each checked where it could go
// wrong: deferred local reads across a write of that local, destinations
// retargeted by local.set/tee, constants on either side, fused
// compare-and-jump, and loads fused with their address computation (which
// must keep the 32-bit wrap before the offset is added).
#include <gtest/gtest.h>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/decoder_test_util.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/thread.h"

namespace shoal::vm {
namespace {

using decoder_testing::Bytes;
using decoder_testing::Cat;
using decoder_testing::ModuleBuilder;
constexpr uint8_t kI32 = 0x7f;

// A module with one memory page and one function "f" of the given type and
// body (no declared locals), exported.
Bytes FunctionModule(const Bytes& params, const Bytes& results, const Bytes& code) {
  Bytes type = {0x01, 0x60, uint8_t(params.size())};
  type.insert(type.end(), params.begin(), params.end());
  type.push_back(uint8_t(results.size()));
  type.insert(type.end(), results.begin(), results.end());
  const Bytes body = Cat({{0x00}, code, {0x0b}});
  ModuleBuilder b;
  b.Section(decoder_testing::kType, type)
      .Section(decoder_testing::kFunction, {0x01, 0x00})
      .Section(decoder_testing::kMemory, {0x01, 0x00, 0x01})
      .Section(decoder_testing::kExport, {0x01, 0x01, 'f', 0x00, 0x00})
      .Section(decoder_testing::kCode, Cat({{0x01, uint8_t(body.size())}, body}));
  return b.bytes();
}

// Loads, instantiates and calls "f".
Result<std::vector<Value>> Call(const Bytes& module, std::vector<Value> args) {
  std::shared_ptr<const CompiledModule> compiled = TRY(LoadModule(module));
  Store store;
  Instance* instance = TRY(Instance::Instantiate(store, compiled, {}));
  return Invoke(store, instance->GetExport("f")->addr, args);
}

uint32_t CallI32(const Bytes& code, std::vector<Value> args) {
  Bytes params(args.size(), kI32);
  auto results = Call(FunctionModule(params, {kI32}, code), args);
  EXPECT_TRUE(results.ok()) << results.error().message;
  return results.ok() ? uint32_t((*results)[0].lo) : 0xdeadbeef;
}

TEST(FunctionCompilerTest, ReadOfALocalIsWrittenOutBeforeTheLocalChanges) {
  // x; x = x + 1; x; i32.add: the first local.get must see the old x.
  EXPECT_EQ(CallI32({0x20, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x20, 0x00, 0x6a},
                    {Value::I32(5)}),
            11u);
}

TEST(FunctionCompilerTest, TeeLeavesTheOldValueBelowIt) {
  // x - (x = x * 10)
  EXPECT_EQ(CallI32({0x20, 0x00, 0x20, 0x00, 0x41, 0x0a, 0x6c, 0x22, 0x00, 0x6b}, {Value::I32(3)}),
            uint32_t(-27));
}

TEST(FunctionCompilerTest, SwappingTwoLocalsThroughTheStack) {
  // (a, b) -> local.get a; local.get b; local.set a; local.set b -> (b, a)
  auto results =
      Call(FunctionModule({kI32, kI32}, {kI32, kI32},
                          {0x20, 0x00, 0x20, 0x01, 0x21, 0x00, 0x21, 0x01, 0x20, 0x00, 0x20, 0x01}),
           {Value::I32(1), Value::I32(2)});
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ((*results)[0].lo, 2u);
  EXPECT_EQ((*results)[1].lo, 1u);
}

TEST(FunctionCompilerTest, ConstantsOnEitherSide) {
  EXPECT_EQ(CallI32({0x41, 0xe4, 0x00, 0x20, 0x00, 0x6b}, {Value::I32(1)}), 99u);  // 100 - x
  EXPECT_EQ(CallI32({0x41, 0x07, 0x20, 0x00, 0x6c}, {Value::I32(6)}), 42u);        // 7 * x
  EXPECT_EQ(CallI32({0x41, 0x05, 0x20, 0x00, 0x48}, {Value::I32(9)}), 1u);         // 5 < x
  EXPECT_EQ(CallI32({0x41, 0x05, 0x20, 0x00, 0x48}, {Value::I32(2)}), 0u);
}

TEST(FunctionCompilerTest, CompareAndBranchTakesBothWays) {
  // block (result i32) 1; br_if 0 (x < 10); drop; 2 end
  const Bytes code = {0x02, 0x7f, 0x41, 0x01, 0x20, 0x00, 0x41, 0x0a,
                      0x48, 0x0d, 0x00, 0x1a, 0x41, 0x02, 0x0b};
  EXPECT_EQ(CallI32(code, {Value::I32(3)}), 1u);
  EXPECT_EQ(CallI32(code, {Value::I32(30)}), 2u);
  // if (x >= 10) then 7 else 8, through the negated comparison.
  const Bytes if_code = {0x20, 0x00, 0x41, 0x0a, 0x4e, 0x04, 0x7f,
                         0x41, 0x07, 0x05, 0x41, 0x08, 0x0b};
  EXPECT_EQ(CallI32(if_code, {Value::I32(10)}), 7u);
  EXPECT_EQ(CallI32(if_code, {Value::I32(9)}), 8u);
}

TEST(FunctionCompilerTest, FusedLoadKeepsTheAddressWrapBeforeTheOffset) {
  // i32.load offset=8 (x + -4): for x = 4 it reads address 8; for x = 0 the
  // address wraps to 0xfffffffc, and 0xfffffffc + 8 is out of bounds.
  const Bytes code = {0x20, 0x00, 0x41, 0x7c, 0x6a, 0x28, 0x02, 0x08};
  EXPECT_EQ(CallI32(code, {Value::I32(4)}), 0u);
  auto trapped = Call(FunctionModule({kI32}, {kI32}, code), {Value::I32(0)});
  ASSERT_FALSE(trapped.ok());
  EXPECT_EQ(trapped.error().message.rfind("out of bounds memory access", 0), 0u)
      << trapped.error().message;
}

}  // namespace
}  // namespace shoal::vm
