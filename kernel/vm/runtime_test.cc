#include "kernel/vm/runtime.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace shoal::vm {
namespace {

TEST(MemoryTest, GrowCommitsPagesAndKeepsTheBase) {
  auto memory = Memory::Create(MemoryType{Limits{1, 4}});
  ASSERT_TRUE(memory.ok());
  Memory& m = **memory;
  uint8_t* base = m.data();
  m.data()[kPageSize - 1] = 7;
  EXPECT_EQ(m.Grow(2), std::optional<uint32_t>(1));
  EXPECT_EQ(m.data(), base);
  EXPECT_EQ(m.pages(), 3u);
  m.data()[3 * kPageSize - 1] = 9;  // Newly committed memory is writable.
  EXPECT_EQ(m.data()[kPageSize - 1], 7);
  EXPECT_EQ(m.Grow(2), std::nullopt);  // Past the maximum of 4.
  EXPECT_EQ(m.Grow(1), std::optional<uint32_t>(3));
  EXPECT_EQ(m.Grow(0), std::optional<uint32_t>(4));
}

TEST(MemoryTest, PageCapLimitsGrowthBelowTheTypeMaximum) {
  auto memory = Memory::Create(MemoryType{Limits{1, std::nullopt}});
  ASSERT_TRUE(memory.ok());
  (*memory)->set_page_cap(2);
  EXPECT_TRUE((*memory)->Grow(1).has_value());
  EXPECT_FALSE((*memory)->Grow(1).has_value());
}

TEST(MemoryTest, SpanRejectsRangesOutsideAndOverflowingRanges) {
  auto memory = Memory::Create(MemoryType{Limits{1, 1}});
  ASSERT_TRUE(memory.ok());
  Memory& m = **memory;
  EXPECT_TRUE(m.Span(0, kPageSize).has_value());
  EXPECT_TRUE(m.Span(kPageSize, 0).has_value());
  EXPECT_FALSE(m.Span(kPageSize, 1).has_value());
  EXPECT_FALSE(m.Span(1, kPageSize).has_value());
  EXPECT_FALSE(m.Span(UINT64_MAX, 2).has_value());
  EXPECT_FALSE(m.Span(2, UINT64_MAX).has_value());
}

uint64_t ResidentPages() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident;
}

TEST(MemoryTest, ThousandsOfUnboundedMemoriesCostLittleResidentMemory) {
  const uint64_t before = ResidentPages();
  std::vector<std::unique_ptr<Memory>> memories;
  for (int i = 0; i < 2000; ++i) {
    auto m = Memory::Create(MemoryType{Limits{1, std::nullopt}});
    ASSERT_TRUE(m.ok()) << m.error().message;
    memories.push_back(std::move(m).value());
  }
  // Untouched committed pages are not resident: well under 1 page each.
  EXPECT_LT(ResidentPages() - before, 2000u);
}

TEST(TableTest, GrowRespectsTheMaximum) {
  Table t(TableType{ValType::kFuncRef, Limits{2, 3}}, 0);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.Grow(1, 5), std::optional<uint32_t>(2));
  EXPECT_EQ(t.elems()[2], 5u);
  EXPECT_EQ(t.Grow(1, 0), std::nullopt);
}

TEST(TableTest, HugeGrowthFailsInsteadOfExhaustingTheHost) {
  Table t(TableType{ValType::kExternRef, Limits{0, std::nullopt}}, 0);
  EXPECT_EQ(t.Grow(UINT32_MAX, 0), std::nullopt);
  EXPECT_EQ(t.size(), 0u);
}

TEST(StoreTest, HugeInitialTableIsRefused) {
  Store store;
  auto r = store.AddTable(TableType{ValType::kFuncRef, Limits{UINT32_MAX, std::nullopt}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kNoMemory);
}

TEST(StoreTest, InternTypeIsStructural) {
  Store store;
  FuncType a{{ValType::kI32}, {ValType::kI64}};
  FuncType b{{ValType::kI32}, {ValType::kI64}};
  FuncType c{{ValType::kI64}, {ValType::kI64}};
  EXPECT_EQ(store.InternType(a), store.InternType(b));
  EXPECT_NE(store.InternType(a), store.InternType(c));
}

TEST(StoreTest, CheckImportAppliesLimitSubtyping) {
  Store store;
  Module m;
  Import imp;
  imp.kind = ExternKind::kMemory;
  imp.memory = MemoryType{Limits{1, 4}};
  MemAddr fits = *store.AddMemory(MemoryType{Limits{2, 3}});
  MemAddr too_small = *store.AddMemory(MemoryType{Limits{0, 3}});
  MemAddr unbounded = *store.AddMemory(MemoryType{Limits{1, std::nullopt}});
  EXPECT_TRUE(store.CheckImport(m, imp, Extern{ExternKind::kMemory, fits}).ok());
  EXPECT_FALSE(store.CheckImport(m, imp, Extern{ExternKind::kMemory, too_small}).ok());
  VoidResult r = store.CheckImport(m, imp, Extern{ExternKind::kMemory, unbounded});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kLinkError);
  EXPECT_EQ(r.error().message.rfind("incompatible import type", 0), 0u);
}

TEST(StoreTest, CheckImportComparesFunctionTypesAndGlobalMutability) {
  Store store;
  Module m;
  m.types.push_back(FuncType{{ValType::kI32}, {}});
  Import fimp;
  fimp.kind = ExternKind::kFunc;
  fimp.func_type_index = 0;
  FuncAddr good = store.AddHostFunction(FuncType{{ValType::kI32}, {}}, nullptr, "good");
  FuncAddr bad = store.AddHostFunction(FuncType{{ValType::kI64}, {}}, nullptr, "bad");
  EXPECT_TRUE(store.CheckImport(m, fimp, Extern{ExternKind::kFunc, good}).ok());
  EXPECT_FALSE(store.CheckImport(m, fimp, Extern{ExternKind::kFunc, bad}).ok());
  EXPECT_FALSE(store.CheckImport(m, fimp, Extern{ExternKind::kGlobal, good}).ok());

  Import gimp;
  gimp.kind = ExternKind::kGlobal;
  gimp.global = GlobalType{ValType::kI32, Mutability::kVar};
  GlobalAddr immutable =
      store.AddGlobal(GlobalType{ValType::kI32, Mutability::kConst}, Value::I32(1));
  EXPECT_FALSE(store.CheckImport(m, gimp, Extern{ExternKind::kGlobal, immutable}).ok());
}

TEST(ValueTest, FloatsKeepTheirBitPatterns) {
  Value nan = Value::F32Bits(0x7fa00001);
  EXPECT_EQ(nan.i32(), 0x7fa00001u);
  EXPECT_EQ(Value::F64(1.5).f64(), 1.5);
  EXPECT_EQ(ValueString(Value::I32(42)), "i32:42");
  EXPECT_EQ(ValueString(Value::Null(ValType::kFuncRef)), "funcref:null");
  EXPECT_EQ(ValueString(Value::Extern(3)), "externref:3");
}

}  // namespace
}  // namespace shoal::vm
