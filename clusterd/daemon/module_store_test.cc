#include "clusterd/daemon/module_store.h"

#include <gtest/gtest.h>

namespace shoal::clusterd {
namespace {

kernel::Sha256 Hash(uint8_t tag) {
  kernel::Sha256 hash{};
  hash[0] = tag;
  return hash;
}

ModuleStore::Bytes Module(size_t size, uint8_t fill) {
  return std::make_shared<const std::vector<uint8_t>>(size, fill);
}

TEST(ModuleStoreTest, AModuleIsFoundByItsHashOnly) {
  ModuleStore store;
  store.Add(Hash(1), Module(100, 0xaa));
  ModuleStore::Bytes found = store.Find(Hash(1));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->size(), 100u);
  EXPECT_EQ((*found)[0], 0xaa);
  EXPECT_EQ(store.Find(Hash(2)), nullptr);
}

TEST(ModuleStoreTest, TheLeastRecentlyUsedGoesFirstPastTheBound) {
  ModuleStore store(300);
  store.Add(Hash(1), Module(100, 1));
  store.Add(Hash(2), Module(100, 2));
  store.Add(Hash(3), Module(100, 3));
  ASSERT_NE(store.Find(Hash(1)), nullptr);  // Now 2 is the oldest.
  store.Add(Hash(4), Module(100, 4));
  EXPECT_EQ(store.Find(Hash(2)), nullptr);
  EXPECT_NE(store.Find(Hash(1)), nullptr);
  EXPECT_NE(store.Find(Hash(3)), nullptr);
  EXPECT_NE(store.Find(Hash(4)), nullptr);
  EXPECT_EQ(store.bytes(), 300u);
}

TEST(ModuleStoreTest, AModuleLargerThanTheBoundIsNotKept) {
  ModuleStore store(300);
  store.Add(Hash(1), Module(100, 1));
  store.Add(Hash(2), Module(301, 2));
  EXPECT_EQ(store.Find(Hash(2)), nullptr);
  EXPECT_NE(store.Find(Hash(1)), nullptr);
  // Adding one twice keeps one copy.
  store.Add(Hash(1), Module(100, 1));
  EXPECT_EQ(store.bytes(), 100u);
}

}  // namespace
}  // namespace shoal::clusterd
