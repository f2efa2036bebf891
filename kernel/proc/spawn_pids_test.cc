// Pids chosen by the caller or by KernelOptions.allocate_pid, the on_spawn
// notice, and the host-call counter.
#include <gtest/gtest.h>

#include <mutex>

#include "kernel/abi/link.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"

namespace shoal::kernel {
namespace {

using testing::RequestFor;

TEST(SpawnPidsTest, ACallerChosenPidIsUsedAndATakenOneRefused) {
  auto kernel = testing::AbiKernel();
  SpawnRequest request = RequestFor("spin");
  request.pid = 4097;
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  EXPECT_EQ(spawned->pid, 4097u);
  EXPECT_EQ(spawned->object->pid(), 4097u);

  SpawnRequest again = RequestFor("exit42");
  again.pid = 4097;
  Result<SpawnResult> refused = kernel->Spawn(std::move(again));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, Status::kAlreadyExists);
  EXPECT_EQ(kernel->live_processes(), 1u);  // Nothing else runs.

  ASSERT_TRUE(kernel->Kill(4097).ok());
  EXPECT_EQ(kernel->Wait(4097, testing::kWaitLimit)->reason, ExitReason::kKilled);
}

TEST(SpawnPidsTest, TheAllocatorGivesPidsAndOnSpawnSeesEverySpawn) {
  std::mutex mu;
  std::vector<SpawnNotice> notices;
  uint64_t next = 8193;
  KernelOptions options;
  options.link_imports = abi::LinkProcessImports;
  options.allocate_pid = [&]() -> Result<uint64_t> {
    std::lock_guard lock(mu);
    uint64_t pid = next;
    next += 4096;
    return pid;
  };
  options.on_spawn = [&](const SpawnNotice& notice) {
    std::lock_guard lock(mu);
    notices.push_back(notice);
  };
  auto kernel = std::move(Kernel::Create(options).value());
  Result<SpawnResult> first = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->pid, 8193u);
  SpawnRequest chosen = RequestFor("exit42");
  chosen.pid = 5;  // A caller's pid wins over the allocator.
  Result<SpawnResult> second = kernel->Spawn(std::move(chosen));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->pid, 5u);
  ASSERT_TRUE(kernel->Wait(8193, testing::kWaitLimit).ok());
  ASSERT_TRUE(kernel->Wait(5, testing::kWaitLimit).ok());

  std::lock_guard lock(mu);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0].pid, 8193u);
  EXPECT_EQ(notices[0].parent_pid, 0u);
  EXPECT_EQ(notices[0].args, std::vector<std::string>{"exit42"});
  EXPECT_EQ(notices[0].object, first->object);
  EXPECT_EQ(notices[1].pid, 5u);
  // exit42 makes one host call, proc_exit.
  EXPECT_EQ(kernel->host_calls(), 2u);
}

TEST(SpawnPidsTest, AnAllocatorErrorFailsTheSpawn) {
  KernelOptions options;
  options.link_imports = abi::LinkProcessImports;
  options.allocate_pid = []() -> Result<uint64_t> {
    return MakeError(Status::kIoError, "cannot persist the reservation");
  };
  auto kernel = std::move(Kernel::Create(options).value());
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("exit42"));
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.error().status, Status::kIoError);
  EXPECT_EQ(kernel->live_processes(), 0u);
}

}  // namespace
}  // namespace shoal::kernel
