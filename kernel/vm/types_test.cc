#include "kernel/vm/types.h"

#include <gtest/gtest.h>

#include "kernel/vm/opcodes.h"

namespace shoal::vm {
namespace {

TEST(TypesTest, FuncTypeStringListsParamsAndResults) {
  FuncType t{{ValType::kI32, ValType::kF64}, {ValType::kExternRef}};
  EXPECT_EQ(FuncTypeString(t), "(i32, f64) -> (externref)");
}

TEST(TypesTest, V128TakesTwoSlots) {
  EXPECT_EQ(SlotCount(ValType::kV128), 2u);
  EXPECT_EQ(SlotCount(ValType::kFuncRef), 1u);
}

TEST(OpcodesTest, TableNamesOpcodesAndImmediates) {
  EXPECT_EQ(OpName(0x6a), "i32.add");
  EXPECT_EQ(OpName(0xc4), "i64.extend32_s");
  EXPECT_EQ(OpName(0x06), "");  // Unassigned.
  ImmKind imm;
  ASSERT_TRUE(OpImmediates(0x28, &imm));
  EXPECT_EQ(imm, ImmKind::kMem);
  EXPECT_FALSE(OpImmediates(0xff, &imm));
  EXPECT_EQ(OpFCName(17), "table.fill");
  ASSERT_TRUE(OpFCImmediates(12, &imm));
  EXPECT_EQ(imm, ImmKind::kTableInit);
  EXPECT_FALSE(OpFCImmediates(18, &imm));
}

}  // namespace
}  // namespace shoal::vm
