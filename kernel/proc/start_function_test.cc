// Module start functions run inside the process, with fuel: they can be long,
// endless (then killable) or trapping without holding up Spawn().
#include <gtest/gtest.h>

#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"

namespace shoal::kernel {
namespace {

using testing::OneWorkerKernel;
using testing::RequestFor;

// One worker and small quanta: a start function that ran inside Spawn (or
// without fuel) would hold the only worker.
TEST(StartFunctionTest, RunsToCompletionBeforeTheEntryPoint) {
  auto kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("start_then_exit"));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kExited);
  EXPECT_EQ(status->code, 20);
  // 200,000 iterations cannot fit one 10,000-fuel quantum: it was preempted.
  EXPECT_GT(status->fuel_used, 200'000u);
}

TEST(StartFunctionTest, AnEndlessStartFunctionIsPreemptedAndKillable) {
  auto kernel = OneWorkerKernel();
  Result<SpawnResult> spinner = kernel->Spawn(RequestFor("start_spins"));
  ASSERT_TRUE(spinner.ok()) << spinner.error().message;
  // The only worker is shared: another process still runs to its end.
  Result<SpawnResult> other = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(other.ok());
  Result<ExitStatus> other_status = kernel->Wait(other->pid, testing::kWaitLimit);
  ASSERT_TRUE(other_status.ok());
  EXPECT_EQ(other_status->code, 42);

  ASSERT_TRUE(kernel->Kill(spinner->pid).ok());
  Result<ExitStatus> status = kernel->Wait(spinner->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kKilled);
  EXPECT_GT(status->fuel_used, 0u);
}

TEST(StartFunctionTest, ATrapInTheStartFunctionEndsTheProcess) {
  auto kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("start_traps"));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kTrapped);
  EXPECT_NE(status->trap_message.find("unreachable"), std::string::npos);
}

}  // namespace
}  // namespace shoal::kernel
