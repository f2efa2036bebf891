#include "kernel/vm/decoder.h"

#include <gtest/gtest.h>

#include "kernel/vm/decoder_test_util.h"

namespace shoal::vm {
namespace {

using namespace ::shoal::vm::decoder_testing;  // NOLINT: test helpers.

TEST(DecoderTest, HeaderOnlyIsAnEmptyModule) {
  ModuleBuilder b;
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->types.empty());
  EXPECT_TRUE(m->functions.empty());
  EXPECT_EQ(m->func_count(), 0u);
  EXPECT_FALSE(m->has_start);
  EXPECT_EQ(m->bytes, b.bytes());
}

TEST(DecoderTest, RichModuleDecodesEverySection) {
  Result<Module> m = Decode(RichModule());
  ASSERT_TRUE(m.ok()) << m.error().message;

  ASSERT_EQ(m->types.size(), 2u);
  EXPECT_EQ(m->types[1].params, (std::vector<ValType>{ValType::kI32, ValType::kI64}));
  EXPECT_EQ(m->types[1].results, (std::vector<ValType>{ValType::kF32}));

  ASSERT_EQ(m->imports.size(), 1u);
  EXPECT_EQ(m->imports[0].module, "m");
  EXPECT_EQ(m->imports[0].name, "f");
  EXPECT_EQ(m->imports[0].func_type_index, 1u);
  EXPECT_EQ(m->imported_funcs, 1u);
  EXPECT_EQ(m->func_count(), 3u);

  ASSERT_EQ(m->tables.size(), 1u);
  EXPECT_EQ(m->tables[0].elem_type, ValType::kFuncRef);
  EXPECT_EQ(m->tables[0].limits, (Limits{1, 16}));
  ASSERT_EQ(m->memories.size(), 1u);
  EXPECT_EQ(m->memories[0].limits, (Limits{1, std::nullopt}));

  ASSERT_EQ(m->globals.size(), 1u);
  EXPECT_EQ(m->globals[0].type.mutability, Mutability::kVar);
  EXPECT_EQ(m->globals[0].init.kind, ConstExpr::Kind::kI32Const);
  EXPECT_EQ(m->globals[0].init.bits[0], 42u);

  ASSERT_EQ(m->exports.size(), 1u);
  EXPECT_EQ(m->exports[0].name, "run");
  EXPECT_EQ(m->exports[0].index, 1u);
  EXPECT_TRUE(m->has_start);
  EXPECT_EQ(m->start, 1u);

  ASSERT_EQ(m->elements.size(), 1u);
  EXPECT_EQ(m->elements[0].mode, SegmentMode::kActive);
  ASSERT_EQ(m->elements[0].items.size(), 1u);
  EXPECT_EQ(m->elements[0].items[0].kind, ConstExpr::Kind::kRefFunc);
  EXPECT_EQ(m->elements[0].items[0].index, 1u);

  ASSERT_EQ(m->functions.size(), 2u);
  EXPECT_TRUE(m->functions[0].locals.empty());
  EXPECT_EQ(m->functions[1].type_index, 1u);
  EXPECT_EQ(m->functions[1].locals, (std::vector<ValType>{ValType::kI32, ValType::kI32}));
  EXPECT_EQ(m->code(m->functions[1]).size(), 3u);
  EXPECT_EQ(m->code(m->functions[1]).back(), 0x0b);
  EXPECT_EQ(m->bytes[m->functions[1].body_offset], 0x06);  // The body's size field.

  EXPECT_TRUE(m->has_data_count);
  EXPECT_EQ(m->data_count, 1u);
  ASSERT_EQ(m->data.size(), 1u);
  EXPECT_EQ(m->data[0].offset.bits[0], 8u);
  EXPECT_EQ(m->data[0].data_size, 2u);
  EXPECT_EQ(m->bytes[m->data[0].data_offset], 'h');

  ASSERT_EQ(m->customs.size(), 1u);
  EXPECT_EQ(m->customs[0].name, "name");
  ASSERT_EQ(m->func_names.size(), 3u);
  EXPECT_EQ(m->func_names[2], "run");
  EXPECT_EQ(m->func_names[0], "");
}

TEST(DecoderTest, ImportsOfEachKindAreCounted) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType)
      .Section(kImport, Cat({{0x04},
                             {0x00, 0x01, 'a', 0x00, 0x00},              // func type 0
                             {0x00, 0x01, 'b', 0x01, 0x6f, 0x00, 0x02},  // table externref 2..
                             {0x00, 0x01, 'c', 0x02, 0x01, 0x01, 0x02},  // memory 1..2
                             {0x00, 0x01, 'd', 0x03, 0x7c, 0x00}}));     // global const f64
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->imported_funcs, 1u);
  EXPECT_EQ(m->imported_tables, 1u);
  EXPECT_EQ(m->imported_memories, 1u);
  EXPECT_EQ(m->imported_globals, 1u);
  EXPECT_EQ(m->imports[1].table.elem_type, ValType::kExternRef);
  EXPECT_EQ(m->imports[2].memory.limits, (Limits{1, 2}));
  EXPECT_EQ(m->imports[3].global.type, ValType::kF64);
}

TEST(DecoderTest, ElementSegmentsDecodeAllEightEncodings) {
  ModuleBuilder b;
  b.Section(kElement, Cat({{0x08},
                           {0x00, 0x41, 0x01, 0x0b, 0x01, 0x05},              // 0: active
                           {0x01, 0x00, 0x01, 0x05},                          // 1: passive
                           {0x02, 0x03, 0x41, 0x02, 0x0b, 0x00, 0x01, 0x05},  // 2: table 3
                           {0x03, 0x00, 0x01, 0x05},                          // 3: declarative
                           {0x04, 0x41, 0x04, 0x0b, 0x01, 0xd2, 0x05, 0x0b},  // 4: exprs
                           {0x05, 0x6f, 0x01, 0xd0, 0x6f, 0x0b},              // 5: passive exprs
                           {0x06, 0x01, 0x41, 0x06, 0x0b, 0x70, 0x01, 0xd2, 0x05, 0x0b},
                           {0x07, 0x70, 0x02, 0xd2, 0x05, 0x0b, 0xd0, 0x70, 0x0b}}));
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const auto& e = m->elements;
  ASSERT_EQ(e.size(), 8u);
  const SegmentMode kModes[] = {
      SegmentMode::kActive, SegmentMode::kPassive, SegmentMode::kActive, SegmentMode::kDeclarative,
      SegmentMode::kActive, SegmentMode::kPassive, SegmentMode::kActive, SegmentMode::kDeclarative};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(e[i].mode, kModes[i]) << "segment " << i;
  EXPECT_EQ(e[0].offset.bits[0], 1u);
  EXPECT_EQ(e[2].table_index, 3u);
  EXPECT_EQ(e[2].offset.bits[0], 2u);
  EXPECT_EQ(e[3].items[0].index, 5u);
  EXPECT_EQ(e[4].items[0].kind, ConstExpr::Kind::kRefFunc);
  EXPECT_EQ(e[5].elem_type, ValType::kExternRef);
  EXPECT_EQ(e[5].items[0].kind, ConstExpr::Kind::kRefNull);
  EXPECT_EQ(e[5].items[0].type, ValType::kExternRef);
  EXPECT_EQ(e[6].table_index, 1u);
  ASSERT_EQ(e[7].items.size(), 2u);
  EXPECT_EQ(e[7].items[1].kind, ConstExpr::Kind::kRefNull);
}

TEST(DecoderTest, DataSegmentsDecodeAllThreeEncodings) {
  ModuleBuilder b;
  b.Section(kDataCount, {0x03})
      .Section(kData, Cat({{0x03},
                           {0x00, 0x41, 0x10, 0x0b, 0x01, 'a'},      // active, memory 0
                           {0x01, 0x02, 'b', 'c'},                   // passive
                           {0x02, 0x00, 0x41, 0x20, 0x0b, 0x00}}));  // memory 0, empty
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->data.size(), 3u);
  EXPECT_EQ(m->data[0].mode, SegmentMode::kActive);
  EXPECT_EQ(m->data[0].offset.bits[0], 0x10u);
  EXPECT_EQ(m->data[1].mode, SegmentMode::kPassive);
  EXPECT_EQ(m->data[1].data_size, 2u);
  EXPECT_EQ(m->bytes[m->data[1].data_offset + 1], 'c');
  EXPECT_EQ(m->data[2].offset.bits[0], 0x20u);
  EXPECT_EQ(m->data[2].data_size, 0u);
}

TEST(DecoderTest, ConstantExpressionsOfEveryKindDecode) {
  ModuleBuilder b;
  b.Section(kGlobal,
            Cat({{0x06},
                 {0x7e, 0x00, 0x42, 0x7f, 0x0b},                          // i64 -1
                 {0x7d, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b},        // f32 1.0
                 {0x7c, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x0b},  // f64 1.0
                 {0x7b, 0x00, 0xfd, 0x0c, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x0b},
                 {0x70, 0x00, 0xd2, 0x07, 0x0b},     // ref.func 7
                 {0x7f, 0x00, 0x23, 0x03, 0x0b}}));  // global.get 3
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const auto& g = m->globals;
  EXPECT_EQ(g[0].init.bits[0], ~uint64_t(0));
  EXPECT_EQ(g[1].init.bits[0], 0x3f800000u);
  EXPECT_EQ(g[2].init.bits[0], 0x3ff0000000000000u);
  EXPECT_EQ(g[3].init.kind, ConstExpr::Kind::kV128Const);
  EXPECT_EQ(g[3].init.bits[0], 1u);
  EXPECT_EQ(g[3].init.bits[1], 2u);
  EXPECT_EQ(g[4].init.index, 7u);
  EXPECT_EQ(g[5].init.kind, ConstExpr::Kind::kGlobalGet);
  EXPECT_EQ(g[5].init.index, 3u);
  EXPECT_EQ(m->bytes[g[5].init.offset], 0x23);
}

TEST(DecoderTest, CustomSectionsMayAppearAnywhere) {
  ModuleBuilder b;
  b.Section(kCustom, {0x01, 'x', 0xaa})
      .Section(kType, kOneVoidType)
      .Section(kCustom, {0x00})
      .Section(kFunction, kOneFunction)
      .Section(kCode, kOneEmptyBody)
      .Section(kCustom, {0x01, 'y'});
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->customs.size(), 3u);
  EXPECT_EQ(m->customs[0].name, "x");
  EXPECT_EQ(m->customs[0].data_size, 1u);
  EXPECT_EQ(m->bytes[m->customs[0].data_offset], 0xaa);
  EXPECT_EQ(m->customs[1].name, "");
  EXPECT_EQ(m->customs[2].data_size, 0u);
}

TEST(DecoderTest, MalformedNameSectionIsIgnored) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType)
      .Section(kFunction, kOneFunction)
      .Section(kCode, kOneEmptyBody)
      // Function names subsection whose map claims 5 entries and a bad UTF-8 name.
      .Section(kCustom,
               Cat({{0x04, 'n', 'a', 'm', 'e'}, {0x01, 0x05, 0x05, 0x00, 0x02, 0xff, 0xfe}}));
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->func_names.size(), 1u);
  EXPECT_EQ(m->func_names[0], "");
}

TEST(DecoderTest, OnlyTheFirstNameSectionIsUsed) {
  const Bytes name_a = Cat({{0x04, 'n', 'a', 'm', 'e'}, {0x01, 0x04, 0x01, 0x00, 0x01, 'a'}});
  const Bytes name_b = Cat({{0x04, 'n', 'a', 'm', 'e'}, {0x01, 0x04, 0x01, 0x00, 0x01, 'b'}});
  ModuleBuilder b;
  b.Section(kType, kOneVoidType)
      .Section(kFunction, kOneFunction)
      .Section(kCode, kOneEmptyBody)
      .Section(kCustom, name_a)
      .Section(kCustom, name_b);
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->customs.size(), 2u);
  EXPECT_EQ(m->func_names[0], "a");
}

TEST(DecoderTest, NamesOfImportedFunctionsUseTheIndexSpace) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType)
      .Section(kImport, Cat({{0x01}, {0x01, 'm'}, {0x01, 'f'}, {0x00, 0x00}}))
      .Section(kCustom, Cat({{0x04, 'n', 'a', 'm', 'e'},
                             {0x00, 0x02, 0x01, 'x'},  // Module name, skipped.
                             {0x01, 0x05, 0x01, 0x00, 0x02, 'i', 'm'}}));
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->func_names.size(), 1u);
  EXPECT_EQ(m->func_names[0], "im");
}

TEST(DecoderTest, NameSectionIndexOutOfRangeIsIgnored) {
  ModuleBuilder b;
  b.Section(kType, kOneVoidType)
      .Section(kFunction, kOneFunction)
      .Section(kCode, kOneEmptyBody)
      .Section(kCustom, Cat({{0x04, 'n', 'a', 'm', 'e'},
                             {0x01, 0x07, 0x02, 0x09, 0x01, 'z', 0x00, 0x01, 'f'}}));
  Result<Module> m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->func_names.size(), 1u);
  EXPECT_EQ(m->func_names[0], "f");
}

}  // namespace
}  // namespace shoal::vm
