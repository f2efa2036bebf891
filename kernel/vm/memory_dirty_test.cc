// Dirty-page tracking (vm::Memory::TakeDirtyPages) seen from a real module,
// testdata/dirty_pages.wat: every way a guest or a host function writes
// linear memory is reported, and concurrent takes never lose a write.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "kernel/vm/runtime.h"
#include "kernel/vm/thread.h"

namespace shoal::vm {
namespace {

constexpr uint32_t kDirtyPage = uint32_t(Memory::kDirtyPageSize);
constexpr uint32_t kInitialDirtyPages = 2 * kPageSize / kDirtyPage;  // The module's 2 pages.

std::vector<uint32_t> Pages(std::initializer_list<uint32_t> pages) { return pages; }

class MemoryDirtyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(std::string(SHOAL_VM_TESTDATA_DIR) + "/dirty_pages.wasm", std::ios::binary);
    ASSERT_TRUE(in) << "dirty_pages.wasm not built (wat2wasm missing?)";
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    auto module = LoadModule(bytes);
    ASSERT_TRUE(module.ok()) << module.error().message;
    // host_write(addr, len): fills [addr, addr + len) with 0x5a through Span.
    const FuncAddr host = store_.AddHostFunction(
        FuncType{{ValType::kI32, ValType::kI32}, {}},
        [](HostCall& call) {
          auto span = call.memory()->Span(call.args[0].i32(), call.args[1].i32());
          if (!span) return HostAction::kTrap;
          std::memset(span->data(), 0x5a, span->size());
          return HostAction::kReturn;
        },
        "host_write");
    const Extern imports[] = {{ExternKind::kFunc, host}};
    auto instance = Instance::Instantiate(store_, *module, imports);
    ASSERT_TRUE(instance.ok()) << instance.error().message;
    instance_ = *instance;
    memory_ = &store_.memory(instance_->memories()[0]);
    memory_->TakeDirtyPages();  // What instantiation wrote is not the tests' concern.
  }

  Result<std::vector<Value>> Call(const char* name, std::vector<Value> args) {
    return Invoke(store_, instance_->GetExport(name)->addr, args);
  }
  void CallOk(const char* name, std::vector<uint32_t> args) {
    std::vector<Value> values;
    for (uint32_t a : args) values.push_back(Value::I32(a));
    auto r = Call(name, values);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
  }

  Store store_;
  Instance* instance_ = nullptr;
  Memory* memory_ = nullptr;
};

TEST_F(MemoryDirtyTest, StartReportsEveryPageOnceThenNothing) {
  memory_->StartDirtyTracking();
  std::vector<uint32_t> all(kInitialDirtyPages);
  for (uint32_t p = 0; p < kInitialDirtyPages; ++p) all[p] = p;
  EXPECT_EQ(memory_->TakeDirtyPages(), all);
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({}));
}

TEST_F(MemoryDirtyTest, EveryStoreKindReportsExactlyItsPages) {
  struct Kind {
    const char* name;
    uint32_t width;
  };
  const Kind kinds[] = {
      {"i32_store", 4},         {"i64_store", 8},         {"f32_store", 4},
      {"f64_store", 8},         {"i32_store8", 1},        {"i32_store16", 2},
      {"i64_store8", 1},        {"i64_store16", 2},       {"i64_store32", 4},
      {"v128_store", 16},       {"v128_store8_lane", 1},  {"v128_store16_lane", 2},
      {"v128_store32_lane", 4}, {"v128_store64_lane", 8},
  };
  for (const Kind& k : kinds) {
    SCOPED_TRACE(k.name);
    CallOk(k.name, {3 * kDirtyPage + 100});
    EXPECT_EQ(memory_->TakeDirtyPages(), Pages({3}));
    // The last byte of page 9, and for wider stores the first bytes of page 10.
    CallOk(k.name, {10 * kDirtyPage - 1});
    if (k.width == 1) {
      EXPECT_EQ(memory_->TakeDirtyPages(), Pages({9}));
    } else {
      EXPECT_EQ(memory_->TakeDirtyPages(), Pages({9, 10}));
    }
    // At the very end of memory.
    CallOk(k.name, {kInitialDirtyPages * kDirtyPage - k.width});
    EXPECT_EQ(memory_->TakeDirtyPages(), Pages({kInitialDirtyPages - 1}));
  }
  CallOk("i32_store_offset", {7 * kDirtyPage});
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({8}));
}

// The owner's scan (a freeze's, 64 pages at a time) reports what the
// other one does: pages in and across blocks, the first and the last.
TEST_F(MemoryDirtyTest, TheOwnersScanReportsWhatAnyThreadsDoes) {
  ASSERT_EQ(Call("grow", {Value::I32(6)})->at(0).i32(), 2u);  // 128 pages of 4 KiB.
  (void)memory_->TakeDirtyPages();
  const std::vector<uint32_t> written = {0, 63, 64, 65, 100, 127};
  for (const Memory::Taker taker : {Memory::Taker::kAnyThread, Memory::Taker::kOwnThread}) {
    for (uint32_t page : written) CallOk("i32_store8", {page * kDirtyPage + 7});
    EXPECT_EQ(memory_->TakeDirtyPages(taker), written);
    EXPECT_EQ(memory_->TakeDirtyPages(taker), Pages({}));
  }
  CallOk("fill", {10 * kDirtyPage, 70 * kDirtyPage});  // Pages 10..79, over a block's edge.
  std::vector<uint32_t> filled;
  for (uint32_t p = 10; p < 80; ++p) filled.push_back(p);
  EXPECT_EQ(memory_->TakeDirtyPages(Memory::Taker::kOwnThread), filled);
}

TEST_F(MemoryDirtyTest, LoadsAndTrappingStoresReportNothing) {
  ASSERT_TRUE(Call("load", {Value::I32(5 * kDirtyPage)}).ok());
  EXPECT_FALSE(Call("i64_store", {Value::I32(kInitialDirtyPages * kDirtyPage - 4)}).ok());
  EXPECT_FALSE(Call("fill", {Value::I32(kDirtyPage), Value::I32(2 * kPageSize)}).ok());
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({}));
}

TEST_F(MemoryDirtyTest, FillCopyAndInitReportTheirDestination) {
  CallOk("fill", {2 * kDirtyPage + 10, 3 * kDirtyPage});
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({2, 3, 4, 5}));
  CallOk("fill", {6 * kDirtyPage, 0});  // Empty: nothing written.
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({}));
  CallOk("copy", {12 * kDirtyPage - 8, 20 * kDirtyPage, 16});
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({11, 12}));
  CallOk("init", {15 * kDirtyPage - 16});
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({14, 15}));
}

TEST_F(MemoryDirtyTest, GrowReportsTheNewPages) {
  auto r = Call("grow", {Value::I32(1)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].i32(), 2u);
  std::vector<uint32_t> added;
  for (uint32_t p = kInitialDirtyPages; p < kInitialDirtyPages + kPageSize / kDirtyPage; ++p) {
    added.push_back(p);
  }
  EXPECT_EQ(memory_->TakeDirtyPages(), added);
  // The new pages are tracked like the others.
  CallOk("i32_store", {kInitialDirtyPages * kDirtyPage + 5 * kDirtyPage});
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({kInitialDirtyPages + 5}));
}

TEST_F(MemoryDirtyTest, HostWritesThroughSpanAreReported) {
  CallOk("host", {4 * kDirtyPage - 1, kDirtyPage + 2});
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({3, 4, 5}));
  EXPECT_EQ(memory_->data()[5 * kDirtyPage], 0x5a);
  CallOk("host", {0, 0});
  EXPECT_EQ(memory_->TakeDirtyPages(), Pages({}));
}

// The pre-copy loop in miniature: a driver thread takes dirty pages and
// copies them into a replica while the guest writes a rising counter into
// each page; after the guest ends, one last take must leave the replica
// equal to the memory. A lost write would leave a page's counter stale.
// Under -fsanitize=thread this reports the race between the guest's stores
// and the driver's copy of the same bytes, which pre-copy accepts (the page
// is marked again and resent); none on the dirty map itself.
TEST_F(MemoryDirtyTest, ConcurrentTakesNeverLoseAWrite) {
  constexpr uint32_t kPages = 24;  // Within the 32 of the module's memory.
  constexpr uint32_t kIterations = 3'000'000;
  std::vector<uint8_t> replica(memory_->size_bytes());
  auto copy_pages = [&](const std::vector<uint32_t>& pages) {
    for (uint32_t p : pages) {
      // The guest may be writing this page right now: word by word with
      // relaxed atomics, as the race with it is the point of the test.
      for (uint64_t off = uint64_t(p) * kDirtyPage; off < uint64_t(p + 1) * kDirtyPage; off += 4) {
        const uint32_t word =
            std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(memory_->data() + off))
                .load(std::memory_order_relaxed);
        std::memcpy(&replica[off], &word, 4);
      }
    }
  };

  memory_->StartDirtyTracking();
  std::atomic<bool> done = false;
  uint64_t takes = 0, pages_taken = 0;
  std::thread driver([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < deadline) {
      std::vector<uint32_t> pages = memory_->TakeDirtyPages();
      copy_pages(pages);
      ++takes;
      pages_taken += pages.size();
    }
  });
  CallOk("count", {kPages, kIterations});
  done.store(true, std::memory_order_release);
  driver.join();
  copy_pages(memory_->TakeDirtyPages());  // The final round, with the guest stopped.

  EXPECT_GT(takes, 1u);
  ASSERT_EQ(std::memcmp(replica.data(), memory_->data(), replica.size()), 0);
  // Sanity: the guest did what the test thinks it did.
  uint32_t last = 0;
  std::memcpy(&last, memory_->data() + (kPages - 1) * kDirtyPage, 4);
  EXPECT_EQ(last, kIterations / kPages);
  RecordProperty("takes", int(takes));
  RecordProperty("pages_taken", int(pages_taken));
}

// A pre-copied migration fills a memory ahead of the instance that takes
// it over: the contents move, each memory keeps its own limits.
TEST(MemorySwapTest, SwapContentsMovesTheBytesAndKeepsEachSidesLimits) {
  MemoryType small;
  small.limits.min = 1;
  small.limits.max = 4;
  std::unique_ptr<Memory> instance_memory = Memory::Create(small).value();
  std::unique_ptr<Memory> ahead = Memory::Create(MemoryType{}).value();
  ASSERT_TRUE(ahead->Grow(3).has_value());
  std::memset(ahead->data() + 2 * kPageSize, 0x7e, 16);
  ahead->MarkWritten(2 * kPageSize, 16);
  std::memset(instance_memory->data(), 0x11, 16);

  instance_memory->SwapContents(*ahead);
  EXPECT_EQ(instance_memory->pages(), 3u);
  EXPECT_EQ(instance_memory->data()[2 * kPageSize + 15], 0x7e);
  EXPECT_EQ(ahead->pages(), 1u);
  EXPECT_EQ(ahead->data()[0], 0x11);
  // The instance's maximum of 4 pages still holds, though the memory it
  // took was reserved for 4 GiB.
  EXPECT_EQ(instance_memory->max_pages(), 4u);
  EXPECT_TRUE(instance_memory->Grow(1).has_value());
  EXPECT_FALSE(instance_memory->Grow(1).has_value());
  // The dirty map went along with the bytes.
  instance_memory->StartDirtyTracking();
  EXPECT_EQ(instance_memory->TakeDirtyPages().size(), 4 * kPageSize / kDirtyPage);
}

// A post-copy's destination keeps a memory's address range after the
// memory is gone, emptied, so that nothing else is mapped there while it
// may still place pages; the hook follows the contents across a swap.
TEST(MemoryReleaseTest, AHookKeepsTheEmptiedRangeOrLetsItGo) {
  std::pair<void*, uint64_t> kept{nullptr, 0};
  std::unique_ptr<Memory> hooked = Memory::Create(MemoryType{}).value();
  ASSERT_TRUE(hooked->Grow(2).has_value());
  std::memset(hooked->data(), 0x5a, 2 * kPageSize);
  uint8_t* const hooked_data = hooked->data();
  hooked->set_release_hook([&](void* start, uint64_t bytes) {
    kept = {start, bytes};
    return true;
  });
  std::unique_ptr<Memory> other = Memory::Create(MemoryType{}).value();
  other->SwapContents(*hooked);  // The hook goes with the bytes.
  hooked.reset();
  EXPECT_EQ(kept.first, nullptr);
  other.reset();
  ASSERT_NE(kept.first, nullptr);
  EXPECT_LT(kept.first, static_cast<void*>(hooked_data));
  // Still reserved: nothing else can be mapped there.
  void* again = mmap(hooked_data, kPageSize, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  EXPECT_EQ(again, MAP_FAILED);
  EXPECT_EQ(errno, EEXIST);
  ASSERT_EQ(munmap(kept.first, kept.second), 0);

  std::unique_ptr<Memory> declined = Memory::Create(MemoryType{}).value();
  uint8_t* const declined_data = declined->data();
  declined->set_release_hook([](void*, uint64_t) { return false; });
  declined.reset();
  void* free_now = mmap(declined_data, kPageSize, PROT_READ,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  EXPECT_EQ(free_now, static_cast<void*>(declined_data));
  if (free_now != MAP_FAILED) munmap(free_now, kPageSize);
}

}  // namespace
}  // namespace shoal::vm
