// Validation of SIMD (0xFD) instructions in function bodies, and the load
// path's answer for modules that use them while the interpreter cannot.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "kernel/vm/decoder_test_util.h"
#include "kernel/vm/opcodes.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/validate_signatures.h"
#include "kernel/vm/validator.h"

namespace shoal::vm {
namespace {

using decoder_testing::Bytes;
using decoder_testing::Cat;
using decoder_testing::ModuleBuilder;

constexpr uint8_t kV128 = 0x7b, kI32 = 0x7f;
enum class WithMemory { kNo, kYes };

// A module with one function of type (params) -> (results) whose body is
// `code` followed by `end`, and a memory of one page if asked for.
Bytes SimdModule(const Bytes& params, const Bytes& results, const Bytes& code,
                 WithMemory memory = WithMemory::kYes) {
  ModuleBuilder b;
  Bytes type = {0x01, 0x60, uint8_t(params.size())};
  type.insert(type.end(), params.begin(), params.end());
  type.push_back(uint8_t(results.size()));
  type.insert(type.end(), results.begin(), results.end());
  Bytes body = Cat({{0x00}, code, {0x0b}});  // No locals.
  b.Section(decoder_testing::kType, type).Section(decoder_testing::kFunction, {0x01, 0x00});
  if (memory == WithMemory::kYes) b.Section(decoder_testing::kMemory, {0x01, 0x00, 0x01});
  b.Section(decoder_testing::kCode, Cat({{0x01, uint8_t(body.size())}, body}));
  return b.bytes();
}

VoidResult Validate(const Bytes& bytes) {
  auto module = DecodeModule(bytes);
  if (!module.ok()) return module.error();
  return ValidateModule(*module);
}

void ExpectInvalid(const Bytes& bytes, Status status, const std::string& text) {
  VoidResult r = Validate(bytes);
  ASSERT_FALSE(r.ok()) << "expected " << text;
  EXPECT_EQ(r.error().status, status) << r.error().message;
  EXPECT_EQ(r.error().message.rfind(text, 0), 0u) << r.error().message;
}

// v128.const with all-zero bytes.
Bytes V128Const() { return Cat({{0xfd, 0x0c}, Bytes(16, 0)}); }

TEST(ValidateSimdTest, TableHasTheSpecsInstructionCount) {
  int count = 0;
  for (uint32_t sub = 0; sub < kFDTableSize; ++sub) {
    ImmKind kind;
    count += OpFDImmediates(sub, &kind) ? 1 : 0;
  }
  EXPECT_EQ(count, 236);
  EXPECT_EQ(OpFDName(0xba), "i32x4.dot_i16x8_s");
  EXPECT_EQ(OpFDName(0x9a), "");  // Reserved.
  EXPECT_EQ(OpFDName(256), "");
}

TEST(ValidateSimdTest, BinaryOpOnTwoVectorsIsValid) {
  // i32x4.add (0xae, encoded as LEB128 0xae 0x01) of the two parameters.
  EXPECT_TRUE(
      Validate(SimdModule({kV128, kV128}, {kV128}, {0x20, 0x00, 0x20, 0x01, 0xfd, 0xae, 0x01}))
          .ok());
}

TEST(ValidateSimdTest, VectorOperandWhereScalarExpectedIsTypeMismatch) {
  // i32x4.add on an i32 and a v128.
  ExpectInvalid(SimdModule({kI32, kV128}, {kV128}, {0x20, 0x00, 0x20, 0x01, 0xfd, 0xae, 0x01}),
                Status::kInvalid, "type mismatch");
  // i8x16.shl wants (v128, i32), not (v128, v128).
  ExpectInvalid(SimdModule({kV128, kV128}, {kV128}, {0x20, 0x00, 0x20, 0x01, 0xfd, 0x6b}),
                Status::kInvalid, "type mismatch");
}

TEST(ValidateSimdTest, TestsReturnI32) {
  // v128.any_true leaves an i32, which does not match a v128 result.
  ExpectInvalid(SimdModule({kV128}, {kV128}, {0x20, 0x00, 0xfd, 0x53}), Status::kInvalid,
                "type mismatch");
  EXPECT_TRUE(Validate(SimdModule({kV128}, {kI32}, {0x20, 0x00, 0xfd, 0x53})).ok());
}

TEST(ValidateSimdTest, BitselectTakesThreeVectors) {
  EXPECT_TRUE(Validate(SimdModule({kV128, kV128, kV128}, {kV128},
                                  {0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x52}))
                  .ok());
  ExpectInvalid(SimdModule({kV128, kV128}, {kV128}, {0x20, 0x00, 0x20, 0x01, 0xfd, 0x52}),
                Status::kInvalid, "type mismatch");
}

TEST(ValidateSimdTest, LaneIndexMustBeBelowLaneCount) {
  // i8x16.extract_lane_s 15 is the last lane; 16 is out of range.
  EXPECT_TRUE(Validate(SimdModule({kV128}, {kI32}, {0x20, 0x00, 0xfd, 0x15, 15})).ok());
  ExpectInvalid(SimdModule({kV128}, {kI32}, {0x20, 0x00, 0xfd, 0x15, 16}), Status::kInvalid,
                "invalid lane index");
  // f64x2.replace_lane 2 (two lanes).
  ExpectInvalid(
      SimdModule({kV128}, {kV128}, {0x20, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0x22, 2}),
      Status::kInvalid, "invalid lane index");
  // v128.load32_lane (four lanes) with lane 4.
  ExpectInvalid(SimdModule({kI32, kV128}, {kV128}, {0x20, 0x00, 0x20, 0x01, 0xfd, 0x56, 2, 0, 4}),
                Status::kInvalid, "invalid lane index");
}

TEST(ValidateSimdTest, ShuffleLanesMustBeBelowThirtyTwo) {
  Bytes lanes(16, 31);
  EXPECT_TRUE(Validate(SimdModule({kV128, kV128}, {kV128},
                                  Cat({{0x20, 0x00, 0x20, 0x01, 0xfd, 0x0d}, lanes})))
                  .ok());
  lanes[7] = 32;
  ExpectInvalid(
      SimdModule({kV128, kV128}, {kV128}, Cat({{0x20, 0x00, 0x20, 0x01, 0xfd, 0x0d}, lanes})),
      Status::kInvalid, "invalid lane index");
}

TEST(ValidateSimdTest, AlignmentMustNotExceedNatural) {
  // v128.load align=2^4 is natural; 2^5 is not.
  EXPECT_TRUE(Validate(SimdModule({kI32}, {kV128}, {0x20, 0x00, 0xfd, 0x00, 4, 0})).ok());
  ExpectInvalid(SimdModule({kI32}, {kV128}, {0x20, 0x00, 0xfd, 0x00, 5, 0}), Status::kInvalid,
                "alignment must not be larger than natural");
  // v128.load8x8_s reads 8 bytes: 2^3 at most.
  ExpectInvalid(SimdModule({kI32}, {kV128}, {0x20, 0x00, 0xfd, 0x01, 4, 0}), Status::kInvalid,
                "alignment must not be larger than natural");
  // v128.load16_splat: 2 bytes.
  ExpectInvalid(SimdModule({kI32}, {kV128}, {0x20, 0x00, 0xfd, 0x08, 2, 0}), Status::kInvalid,
                "alignment must not be larger than natural");
  // v128.store8_lane: 1 byte.
  ExpectInvalid(SimdModule({kI32, kV128}, {}, {0x20, 0x00, 0x20, 0x01, 0xfd, 0x58, 1, 0, 0}),
                Status::kInvalid, "alignment must not be larger than natural");
}

TEST(ValidateSimdTest, MemoryInstructionsNeedAMemory) {
  ExpectInvalid(SimdModule({kI32}, {kV128}, {0x20, 0x00, 0xfd, 0x00, 4, 0}, WithMemory::kNo),
                Status::kInvalid, "unknown memory");
}

TEST(ValidateSimdTest, UnassignedSubopcodeIsIllegal) {
  ExpectInvalid(SimdModule({kV128}, {kV128}, {0x20, 0x00, 0xfd, 0x9a, 0x01}), Status::kMalformed,
                "illegal opcode");
  ExpectInvalid(SimdModule({kV128}, {kV128}, {0x20, 0x00, 0xfd, 0x80, 0x02}), Status::kMalformed,
                "illegal opcode");
}

TEST(ValidateSimdTest, TruncatedImmediateIsUnexpectedEnd) {
  // A v128.const with 8 of its 16 bytes, at the end of the body.
  Bytes code = {0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0};
  Bytes body = Cat({{0x00}, code});  // No `end` either.
  ModuleBuilder b;
  b.Section(decoder_testing::kType, {0x01, 0x60, 0x00, 0x01, kV128})
      .Section(decoder_testing::kFunction, {0x01, 0x00})
      .Section(decoder_testing::kCode, Cat({{0x01, uint8_t(body.size())}, body}));
  ExpectInvalid(b.bytes(), Status::kMalformed, "unexpected end");
}

TEST(ValidateSimdTest, ErrorsNameTheSimdInstruction) {
  VoidResult r = Validate(SimdModule({kV128}, {kI32}, {0x20, 0x00, 0xfd, 0x15, 16}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("i8x16.extract_lane_s"), std::string::npos) << r.error().message;
}

TEST(ValidateSimdTest, UnreachableCodeAcceptsAnyOperands) {
  // unreachable; f32x4.add with nothing on the stack; the result is a v128.
  EXPECT_TRUE(Validate(SimdModule({}, {kV128}, {0x00, 0xfd, 0xe4, 0x01})).ok());
}

TEST(ValidateSimdTest, SignaturesFollowTheTable) {
  EXPECT_EQ(kFDSignatures[0x1d].result, ValType::kI64);     // i64x2.extract_lane
  EXPECT_EQ(kFDSignatures[0x20].params[1], ValType::kF32);  // f32x4.replace_lane
  EXPECT_EQ(kFDSignatures[0x0b].has_result, false);         // v128.store
  EXPECT_EQ(kFDSignatures[0x57].param_count, 2);            // v128.load64_lane
}

TEST(LoadSimdTest, ValidSimdModuleCompiles) {
  Bytes bytes = SimdModule({}, {kV128}, V128Const());
  ASSERT_TRUE(Validate(bytes).ok());
  auto loaded = LoadModule(bytes);
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
}

TEST(LoadSimdTest, SimdInUnreachableCodeIsSkippedWithItsImmediates) {
  auto loaded = LoadModule(SimdModule({}, {}, Cat({{0x00}, V128Const(), {0x1a}})));
  EXPECT_TRUE(loaded.ok()) << loaded.error().message;
}

TEST(LoadSimdTest, InvalidSimdModuleFailsValidationFirst) {
  auto loaded = LoadModule(SimdModule({kV128}, {kI32}, {0x20, 0x00, 0xfd, 0x15, 16}));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().status, Status::kInvalid);
}

TEST(LoadSimdTest, RandomSimdBodiesNeverCrash) {
  // Bodies of random SIMD-heavy bytes: each load must end in a Status or in
  // compiled code, never in a crash or an internal compiler error.
  std::mt19937 rng(12345);
  int validated = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes code = {0x20, 0x00, 0x20, 0x00};
    const int n = 1 + int(rng() % 24);
    for (int j = 0; j < n; ++j) {
      code.push_back(rng() % 3 == 0 ? 0xfd : uint8_t(rng() % 40));
    }
    auto loaded = LoadModule(SimdModule({kV128}, {kV128}, code));
    if (loaded.ok()) {
      ++validated;
      continue;
    }
    const Status s = loaded.error().status;
    EXPECT_TRUE(s == Status::kMalformed || s == Status::kInvalid) << loaded.error().message;
  }
  EXPECT_GT(validated, 0);  // The generator does reach valid SIMD code.
}

}  // namespace
}  // namespace shoal::vm
