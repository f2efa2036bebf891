#include "clusterd/daemon/pid.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

namespace shoal::clusterd {
namespace {

std::filesystem::path TempDir() {
  char tmpl[] = "/tmp/shoal-pid-test-XXXXXX";
  return ::mkdtemp(tmpl);
}

TEST(PidTest, FirstPidOfNodeOneIs4097AndCarriesItsHome) {
  auto pids = PidAllocator::Create(1, TempDir());
  ASSERT_TRUE(pids.ok());
  Result<uint64_t> first = (*pids)->Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 4097u);
  EXPECT_EQ(HomeNodeOf(*first), 1u);
  auto other = PidAllocator::Create(42, TempDir());
  EXPECT_EQ(HomeNodeOf(*(*other)->Next()), 42u);
}

TEST(PidTest, PidsAreNeverReusedAcrossRestarts) {
  std::filesystem::path dir = TempDir();
  std::set<uint64_t> seen;
  for (int restart = 0; restart < 3; ++restart) {
    auto pids = PidAllocator::Create(7, dir);
    ASSERT_TRUE(pids.ok());
    for (int i = 0; i < 10; ++i) {
      Result<uint64_t> pid = (*pids)->Next();
      ASSERT_TRUE(pid.ok());
      EXPECT_TRUE(seen.insert(*pid).second) << "reused " << *pid;
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(PidTest, NodeIdOutOfRangeIsRefused) {
  EXPECT_FALSE(PidAllocator::Create(0, TempDir()).ok());
  EXPECT_FALSE(PidAllocator::Create(kMaxNodeId + 1, TempDir()).ok());
}

}  // namespace
}  // namespace shoal::clusterd
