// GuestMemory over a real vm::Memory: what host calls write is seen by
// dirty-page tracking, what they only read is not.
#include "kernel/wasi/guest_memory.h"

#include <gtest/gtest.h>

namespace shoal::wasi {
namespace {

constexpr uint64_t kPage = vm::Memory::kDirtyPageSize;

TEST(GuestMemoryTest, WritesAreDirtyPagesAndReadsAreNot) {
  auto memory = vm::Memory::Create(vm::MemoryType{vm::Limits{1, 1}});
  ASSERT_TRUE(memory.ok());
  vm::Memory& m = **memory;
  GuestMemory guest(&m);
  m.TakeDirtyPages();

  ASSERT_TRUE(guest.Load32(3 * kPage).ok());
  ASSERT_TRUE(guest.String(4 * kPage, 100).ok());
  EXPECT_EQ(m.TakeDirtyPages(), std::vector<uint32_t>{});

  EXPECT_EQ(guest.Store64(6 * kPage - 4, 1), Errno::kSuccess);
  EXPECT_EQ(m.TakeDirtyPages(), (std::vector<uint32_t>{5, 6}));
  // A view handed out may be written until the host call ends, so it counts too.
  ASSERT_TRUE(guest.Bytes(9 * kPage, 1).has_value());
  EXPECT_EQ(m.TakeDirtyPages(), std::vector<uint32_t>{9});
}

}  // namespace
}  // namespace shoal::wasi
