// Many idle processes parked on channels cost memory, not workers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "kernel/abi/link.h"
#include "kernel/object/channel.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {
namespace {

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * size_t(sysconf(_SC_PAGESIZE));
}

TEST(IdleProcessesTest, TenThousandParkedOnChannelsAreCheapAndAllWake) {
  constexpr int kCount = 10000;
  KernelOptions options;
  options.link_imports = abi::LinkProcessImports;
  options.workers = 2;
  auto kernel = std::move(Kernel::Create(options).value());
  std::vector<uint8_t> module = testing::ReadModule("idle");
  // Warm the module cache and the allocator before measuring.
  std::vector<Ref<Channel>> peers;
  std::vector<uint64_t> pids;
  auto spawn_one = [&] {
    auto [mine, theirs] = Channel::Create().value();
    peers.push_back(mine);
    SpawnRequest request;
    request.module_bytes = module;
    request.args = {"idle"};
    request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
    Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
    ASSERT_TRUE(spawned.ok());
    pids.push_back(spawned->pid);
  };
  spawn_one();
  ASSERT_TRUE(testing::WaitUntil([&] { return kernel->scheduler().Stats().parked == 1; }));
  size_t before = ResidentBytes();
  for (int i = 1; i < kCount; ++i) spawn_one();
  ASSERT_TRUE(
      testing::WaitUntil([&] { return kernel->scheduler().Stats().parked == uint64_t(kCount); }));
  size_t after = ResidentBytes();
  double per_process = double(after - before) / (kCount - 1);
  std::printf("%d idle processes: %.1f KiB resident per process (linear memory 64 KiB each)\n",
              kCount, per_process / 1024);
  EXPECT_GT(per_process, 1024.0);             // A process is not free...
  EXPECT_LT(per_process, 2.0 * 1024 * 1024);  // ...but far below a native one.
  EXPECT_EQ(kernel->scheduler().Stats().running, 0u);

  // Each gets one message of i % 200 bytes and exits with that count.
  for (int i = 0; i < kCount; ++i) {
    std::vector<uint8_t> bytes(size_t(i % 200), 'x');
    ASSERT_TRUE(peers[i]->Write(bytes, {}).ok());
  }
  for (int i = 0; i < kCount; ++i) {
    Result<ExitStatus> status = kernel->Wait(pids[i], testing::kWaitLimit);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->code, i % 200);
  }
  EXPECT_EQ(kernel->live_processes(), 0u);
}

}  // namespace
}  // namespace shoal::kernel
