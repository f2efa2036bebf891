// Malformed and hostile inputs: each error the decoder reports, with the spec
// test suite's text and the offset, and robustness against truncated and
// mutated modules.
#include <gtest/gtest.h>

#include <random>

#include "kernel/vm/decoder.h"
#include "kernel/vm/decoder_test_util.h"

namespace shoal::vm {
namespace {

using namespace ::shoal::vm::decoder_testing;  // NOLINT: test helpers.

Result<Module> DecodeBytes(const Bytes& bytes) { return DecodeModule(bytes); }

TEST(DecoderErrorsTest, EmptyInputIsUnexpectedEnd) {
  ExpectMalformed(DecodeBytes({}), "unexpected end");
  ExpectMalformed(DecodeBytes({0x00, 0x61, 0x73}), "unexpected end");
  ExpectMalformed(DecodeBytes({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00}), "unexpected end");
}

TEST(DecoderErrorsTest, WrongMagicIsReportedAtOffsetZero) {
  Result<Module> m = DecodeBytes({0x00, 0x41, 0x53, 0x4d, 0x01, 0x00, 0x00, 0x00});
  ExpectMalformed(m, "magic header not detected");
  EXPECT_NE(m.error().message.find("at offset 0x0"), std::string::npos) << m.error().message;
}

TEST(DecoderErrorsTest, WrongVersionIsReportedAtOffsetFour) {
  Result<Module> m = DecodeBytes({0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00});
  ExpectMalformed(m, "unknown binary version");
  EXPECT_NE(m.error().message.find("at offset 0x4"), std::string::npos) << m.error().message;
}

TEST(DecoderErrorsTest, UnknownSectionIdIsMalformed) {
  ModuleBuilder b;
  b.Section(13, {});
  ExpectMalformed(Decode(b), "malformed section id");
}

TEST(DecoderErrorsTest, SectionLongerThanModuleIsLengthOutOfBounds) {
  ModuleBuilder b;
  b.Raw({kType, 0x07, 0x01, 0x60, 0x00, 0x00});
  ExpectMalformed(Decode(b), "length out of bounds");
}

TEST(DecoderErrorsTest, ContentsShorterThanSectionSizeIsSizeMismatch) {
  ModuleBuilder b;
  b.Section(kType, {0x01, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00});  // 1 type, 2 given.
  Result<Module> m = Decode(b);
  ExpectMalformed(m, "section size mismatch");
  EXPECT_NE(m.error().message.find("in section 'type'"), std::string::npos) << m.error().message;
}

TEST(DecoderErrorsTest, CountBeyondSectionEndIsUnexpectedEnd) {
  ModuleBuilder b;
  b.Section(kMemory, {0x01});  // 1 memory declared, none given, module ends.
  ExpectMalformed(Decode(b), "unexpected end of section or function");
}

TEST(DecoderErrorsTest, NameLongerThanModuleIsLengthOutOfBounds) {
  ModuleBuilder b;
  b.Section(kExport, {0x01, 0x20, 'a'});
  ExpectMalformed(Decode(b), "length out of bounds");
}

TEST(DecoderErrorsTest, DuplicateOrOutOfOrderSectionIsRejected) {
  ModuleBuilder dup;
  dup.Section(kType, {0x00}).Section(kType, {0x00});
  ExpectMalformed(Decode(dup), "unexpected content after last section");

  ModuleBuilder order;
  order.Section(kFunction, {0x00}).Section(kType, {0x00});
  ExpectMalformed(Decode(order), "unexpected content after last section");
}

TEST(DecoderErrorsTest, DataCountGoesBetweenElementAndCode) {
  ModuleBuilder ok;
  ok.Section(kElement, {0x00}).Section(kDataCount, {0x00}).Section(kCode, {0x00});
  EXPECT_TRUE(Decode(ok).ok());

  ModuleBuilder late;
  late.Section(kCode, {0x00}).Section(kDataCount, {0x00});
  ExpectMalformed(Decode(late), "unexpected content after last section");
}

TEST(DecoderErrorsTest, FunctionsWithoutCodeAreInconsistent) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType).Section(kFunction, kOneFunction);
  ExpectMalformed(Decode(b), "function and code section have inconsistent lengths");
}

TEST(DecoderErrorsTest, CodeWithoutFunctionsIsInconsistent) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType).Section(kCode, kOneEmptyBody);
  ExpectMalformed(Decode(b), "function and code section have inconsistent lengths");
}

TEST(DecoderErrorsTest, DataCountMustMatchDataSection) {
  ModuleBuilder wrong;
  wrong.Section(kDataCount, {0x02}).Section(kData, {0x01, 0x01, 0x00});
  ExpectMalformed(Decode(wrong), "data count and data section have inconsistent lengths");

  ModuleBuilder missing;
  missing.Section(kDataCount, {0x01});
  ExpectMalformed(Decode(missing), "data count and data section have inconsistent lengths");
}

TEST(DecoderErrorsTest, BadEncodingsUseTheSpecTexts) {
  struct Case {
    uint8_t section;
    Bytes contents;
    const char* text;
  };
  const Case kCases[] = {
      {kType, {0x01, 0x61, 0x00, 0x00}, "malformed function type"},
      {kType, {0x01, 0x60, 0x01, 0x40, 0x00}, "malformed value type"},
      {kImport, {0x01, 0x00, 0x00, 0x04}, "malformed import kind"},
      {kImport, {0x01, 0x00, 0x01, 0xc0, 0x00, 0x00}, "malformed UTF-8 encoding"},
      {kTable, {0x01, 0x7f, 0x00, 0x00}, "malformed reference type"},
      {kMemory, {0x01, 0x02, 0x00}, "integer too large"},  // Shared-memory flag.
      {kMemory, {0x01, 0x03, 0x00, 0x01}, "integer too large"},
      {kMemory,
       {0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
       "integer representation too long"},
      {kMemory, {0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x1f}, "integer too large"},
      {kGlobal, {0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b}, "malformed mutability"},
      {kExport, {0x01, 0x00, 0x04, 0x00}, "malformed export kind"},
      {kElement, {0x01, 0x08, 0x00}, "malformed elements segment kind"},
      {kElement, {0x01, 0x01, 0x01, 0x00}, "malformed element kind"},
      {kData, {0x01, 0x03, 0x00}, "malformed data segment kind"},
      {kData, {0x01, 0x01, 0x05, 'a'}, "unexpected end"},
  };
  for (const Case& c : kCases) {
    ModuleBuilder b;
    b.Section(c.section, c.contents);
    SCOPED_TRACE(c.text);
    ExpectMalformed(Decode(b), c.text);
  }
}

TEST(DecoderErrorsTest, MessageNamesOffsetSectionAndFunction) {
  ModuleBuilder b;
  b.Section(kImport, Cat({{0x01}, {0x01, 'm'}, {0x01, 'f'}, {0x00, 0x00}}))
      .Section(kFunction, {0x01, 0x00})
      .Section(kCode, {0x01, 0x04, 0x01, 0x01, 0x40, 0x0b});  // Local of type 0x40.
  Result<Module> m = Decode(b);
  ExpectMalformed(m, "malformed value type");
  // The bad type byte is at 0x1b: header 8, import 2+7, function 2+2, code 2+4.
  EXPECT_NE(m.error().message.find("(at offset 0x1b in section 'code', function 1)"),
            std::string::npos)
      << m.error().message;
}

TEST(DecoderErrorsTest, MoreThanFourBillionLocalsIsTooMany) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType)
      .Section(kFunction, kOneFunction)
      .Section(
          kCode,
          Cat({{0x01, 0x0a, 0x02}, {0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f}, {0x02, 0x7e}, {0x0b}}));
  ExpectMalformed(Decode(b), "too many locals");
}

TEST(DecoderErrorsTest, LocalsAboveShoalCapAreTooManyWithoutAllocating) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType)
      .Section(kFunction, kOneFunction)
      .Section(kCode, Cat({{0x01, 0x08, 0x01}, {0x80, 0x80, 0x80, 0x80, 0x01, 0x7f}, {0x0b}}));
  ExpectMalformed(Decode(b), "too many locals");
}

TEST(DecoderErrorsTest, EmptyFunctionBodyIsMalformed) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType).Section(kFunction, kOneFunction).Section(kCode, {0x01, 0x00});
  ExpectMalformed(Decode(b), "unexpected end");

  // With more sections after it, the locals count is read past the body.
  b.Section(kCustom, {0x00});
  ExpectMalformed(Decode(b), "section size mismatch");
}

TEST(DecoderErrorsTest, NonConstantInstructionInInitializerIsInvalid) {
  ModuleBuilder b;
  b.Section(kGlobal, {0x01, 0x7f, 0x00, 0x41, 0x00, 0x45, 0x0b});  // i32.const 0; i32.eqz
  ExpectError(Decode(b), Status::kInvalid, "constant expression required");

  ModuleBuilder nop;
  nop.Section(kGlobal, {0x01, 0x7f, 0x00, 0x01, 0x0b});
  ExpectError(Decode(nop), Status::kInvalid, "constant expression required");
}

TEST(DecoderErrorsTest, TwoConstantsOrNoneInInitializerIsTypeMismatch) {
  ModuleBuilder two;
  two.Section(kGlobal, {0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x01, 0x0b});
  ExpectError(Decode(two), Status::kInvalid, "type mismatch");

  ModuleBuilder empty;
  empty.Section(kGlobal, {0x01, 0x7f, 0x00, 0x0b});
  ExpectError(Decode(empty), Status::kInvalid, "type mismatch");
}

TEST(DecoderErrorsTest, TwoConstantsThenAnOperatorIsNotConstant) {
  ModuleBuilder b;  // i32.const 0; i32.const 1; i32.add (extended-const, not Wasm 2.0).
  b.Section(kGlobal, {0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x01, 0x6a, 0x0b});
  ExpectError(Decode(b), Status::kInvalid, "constant expression required");
}

TEST(DecoderErrorsTest, PrefixedNonConstantsInInitializerAreInvalid) {
  ModuleBuilder simd;  // i32x4.splat (0xfd 17) is not constant.
  simd.Section(kGlobal, {0x01, 0x7b, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b});
  ExpectError(Decode(simd), Status::kInvalid, "constant expression required");

  ModuleBuilder bulk;  // memory.fill as a data offset.
  bulk.Section(kData, {0x01, 0x00, 0xfc, 0x0b, 0x00, 0x0b, 0x00});
  ExpectError(Decode(bulk), Status::kInvalid, "constant expression required");
}

TEST(DecoderErrorsTest, MalformedAfterInvalidStillStops) {
  // The first error wins; a later malformed section is not reached.
  ModuleBuilder b;
  b.Section(kGlobal, {0x01, 0x7f, 0x00, 0x01, 0x0b}).Section(13, {});
  ExpectError(Decode(b), Status::kInvalid, "constant expression required");
}

TEST(DecoderErrorsTest, UnassignedOpcodeInInitializerIsIllegal) {
  ModuleBuilder b;
  b.Section(kElement, {0x01, 0x05, 0x70, 0x01, 0xf3, 0x00, 0x0b});
  ExpectMalformed(Decode(b), "illegal opcode");
}

TEST(DecoderErrorsTest, TruncationAtEveryByteFailsCleanly) {
  const ModuleBuilder rich = RichModule();
  const Bytes& full = rich.bytes();
  ASSERT_TRUE(DecodeBytes(full).ok());
  int failures = 0;
  for (size_t len = 0; len < full.size(); ++len) {
    const Bytes prefix(full.begin(), full.begin() + len);
    Result<Module> m = DecodeBytes(prefix);
    const bool at_boundary = std::find(rich.boundaries().begin(), rich.boundaries().end(), len) !=
                             rich.boundaries().end();
    if (!at_boundary) {
      ASSERT_FALSE(m.ok()) << "prefix of " << len << " bytes decoded";
    }
    if (!m.ok()) {
      ++failures;
      EXPECT_EQ(m.error().status, Status::kMalformed) << m.error().message;
      EXPECT_NE(m.error().message.find("at offset"), std::string::npos) << m.error().message;
    }
  }
  EXPECT_GT(failures, int(full.size()) - int(rich.boundaries().size()) - 1);
}

TEST(DecoderErrorsTest, RandomMutationsNeverCrash) {
  const Bytes full = RichModule().bytes();
  std::mt19937 rng(12345);
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes mutated = full;
    const int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % mutated.size();
      switch (rng() % 3) {
        case 0:
          mutated[at] = uint8_t(rng());
          break;
        case 1:
          mutated[at] ^= uint8_t(1u << (rng() % 8));
          break;
        default:
          mutated.erase(mutated.begin() + at);
          break;
      }
    }
    Result<Module> m = DecodeBytes(mutated);
    if (m.ok()) {
      ++decoded;
      // Whatever decodes must describe ranges inside its own bytes.
      for (const FunctionBody& f : m->functions) {
        ASSERT_LE(uint64_t(f.code_offset) + f.code_size, m->bytes.size());
      }
      for (const DataSegment& d : m->data) {
        ASSERT_LE(uint64_t(d.data_offset) + d.data_size, m->bytes.size());
      }
      for (const CustomSection& c : m->customs) {
        ASSERT_LE(uint64_t(c.data_offset) + c.data_size, m->bytes.size());
      }
    } else {
      ASSERT_FALSE(m.error().message.empty());
    }
  }
  // Some mutations (e.g. in names or data) keep the module well formed.
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace shoal::vm
