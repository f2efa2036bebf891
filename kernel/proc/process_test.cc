// Process lifecycle: spawn, exit codes, traps, kill, terminate, fairness.
#include "kernel/proc/process.h"

#include <gtest/gtest.h>

#include "kernel/abi/link.h"
#include "kernel/object/channel.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"

namespace shoal::kernel {
namespace {

using testing::RequestFor;
using testing::WaitUntil;

std::unique_ptr<Kernel> MakeKernel(unsigned workers = 2) {
  KernelOptions options;
  options.link_imports = abi::LinkProcessImports;
  options.workers = workers;
  options.fuel_quantum = 10'000;
  Result<std::unique_ptr<Kernel>> kernel = Kernel::Create(options);
  EXPECT_TRUE(kernel.ok());
  return std::move(*kernel);
}

TEST(ProcessTest, ExitCodeIsReportedByWait) {
  auto kernel = MakeKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kExited);
  EXPECT_EQ(status->code, 42);
  EXPECT_TRUE((spawned->object->signals() & Signals::kSignaled) != Signals::kNone);
  EXPECT_EQ(kernel->Wait(spawned->pid).error().status, Status::kNotFound);  // Reaped.
}

TEST(ProcessTest, PidsAreNeverReused) {
  auto kernel = MakeKernel();
  uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    Result<SpawnResult> spawned = kernel->Spawn(RequestFor("exit42"));
    ASSERT_TRUE(spawned.ok());
    EXPECT_GT(spawned->pid, last);
    last = spawned->pid;
    ASSERT_TRUE(kernel->Wait(spawned->pid, testing::kWaitLimit).ok());
  }
}

TEST(ProcessTest, TrapGivesExitCode134AndMessageOnStderrConsole) {
  auto kernel = MakeKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("trap"));
  ASSERT_TRUE(spawned.ok());
  std::shared_ptr<ConsoleLog> log = spawned->console;  // The process may be gone already.
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kTrapped);
  EXPECT_EQ(status->code, 134);
  EXPECT_NE(status->trap_message.find("unreachable"), std::string::npos);
  ASSERT_NE(log, nullptr);
  EXPECT_NE(testing::TextOf(log, ConsoleStream::kStderr).find("trap: unreachable"),
            std::string::npos);
  EXPECT_EQ(testing::TextOf(log, ConsoleStream::kStdout), "");
}

TEST(ProcessTest, BadModuleAndMissingStartAreSpawnErrors) {
  auto kernel = MakeKernel();
  SpawnRequest bad;
  bad.module_bytes = {0, 'a', 's', 'm', 9, 9, 9, 9};
  EXPECT_EQ(kernel->Spawn(std::move(bad)).error().status, Status::kMalformed);
  SpawnRequest missing;
  missing.module_path = "/nonexistent/x.wasm";
  EXPECT_EQ(kernel->Spawn(std::move(missing)).error().status, Status::kNotFound);
}

TEST(ProcessTest, PageCapRefusesLargeInitialMemory) {
  auto kernel = MakeKernel();
  SpawnRequest request = RequestFor("exit42");  // 1 page of memory.
  request.page_cap = 0;
  SpawnRequest ok = RequestFor("exit42");
  ok.page_cap = 1;
  Result<SpawnResult> spawned = kernel->Spawn(std::move(ok));
  ASSERT_TRUE(spawned.ok());
  EXPECT_EQ(kernel->Wait(spawned->pid, testing::kWaitLimit)->code, 42);
  KernelOptions options;
  options.link_imports = abi::LinkProcessImports;
  options.workers = 1;
  options.default_page_cap = 0;
  std::unique_ptr<Kernel> tiny = std::move(Kernel::Create(options).value());
  EXPECT_EQ(tiny->Spawn(std::move(request)).error().status, Status::kNoMemory);
}

TEST(ProcessTest, MemoryGrowStopsAtThePageCap) {
  auto kernel = MakeKernel();
  SpawnRequest room = RequestFor("grow16");  // 1 page, then 16 more.
  room.page_cap = 17;
  Result<SpawnResult> grew = kernel->Spawn(std::move(room));
  ASSERT_TRUE(grew.ok()) << grew.error().message;
  EXPECT_EQ(kernel->Wait(grew->pid, testing::kWaitLimit)->code, 0);
  SpawnRequest tight = RequestFor("grow16");
  tight.page_cap = 16;
  Result<SpawnResult> refused = kernel->Spawn(std::move(tight));
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(kernel->Wait(refused->pid, testing::kWaitLimit)->code, 1);  // memory.grow gave -1.
  SpawnRequest over = RequestFor("grow16");
  over.page_cap = vm::kMaxPages + 1;
  Result<SpawnResult> too_large = kernel->Spawn(std::move(over));
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().status, Status::kInvalidArgs);
}

TEST(ProcessTest, MemoryCapsInBytesBecomeWholePagesUpTo4GiB) {
  EXPECT_EQ(MemoryCapPages(0).value(), 0u);  // The kernel's default.
  EXPECT_EQ(MemoryCapPages(1).value(), 1u);
  EXPECT_EQ(MemoryCapPages(64 << 10).value(), 1u);
  EXPECT_EQ(MemoryCapPages((64 << 10) + 1).value(), 2u);
  EXPECT_EQ(MemoryCapPages(uint64_t(1) << 30).value(), 16384u);
  EXPECT_EQ(MemoryCapPages(uint64_t(4) << 30).value(), vm::kMaxPages);
  Result<uint32_t> over = MemoryCapPages((uint64_t(4) << 30) + 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().status, Status::kInvalidArgs);
  EXPECT_NE(over.error().message.find("over wasm32's 4 GiB"), std::string::npos);
}

TEST(ProcessTest, KillEndsASpinningProcess) {
  auto kernel = MakeKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("spin"));
  ASSERT_TRUE(spawned.ok());
  std::shared_ptr<Process> process = kernel->Find(spawned->pid);
  ASSERT_TRUE(process);
  ASSERT_TRUE(WaitUntil([&] { return process->accounting().fuel_used > 50'000; }));
  process.reset();
  ASSERT_TRUE(kernel->Kill(spawned->pid).ok());
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kKilled);
  EXPECT_EQ(status->code, kKilledExitCode);
  EXPECT_GT(status->fuel_used, 50'000u);
  EXPECT_EQ(kernel->live_processes(), 0u);
}

// The process handle tells what the kernel knows of its process: its
// args, its usage while it runs, and the exit's figures once it ended.
TEST(ProcessTest, InfoTellsArgsUsageAndThenTheExit) {
  auto kernel = MakeKernel();
  SpawnRequest request = RequestFor("spin");
  request.args = {"spin", "--hard"};
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());
  Ref<ProcessObject> object = spawned->object;
  ASSERT_TRUE(WaitUntil([&] { return object->Info()->fuel_used > 50'000; }));
  ProcessInfo running = object->Info().value();
  EXPECT_EQ(running.pid, spawned->pid);
  EXPECT_EQ(running.args, (std::vector<std::string>{"spin", "--hard"}));
  EXPECT_TRUE(running.running());
  EXPECT_GT(running.memory_bytes, 0u);
  ASSERT_TRUE(kernel->Kill(spawned->pid).ok());
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  ProcessInfo ended = object->Info().value();
  ASSERT_FALSE(ended.running());
  EXPECT_EQ(ended.exit->reason, ExitReason::kKilled);
  EXPECT_EQ(ended.fuel_used, status->fuel_used);
  EXPECT_GE(ended.fuel_used, running.fuel_used);
  EXPECT_EQ(ended.cpu_ns, status->cpu_ns);
  EXPECT_EQ(ended.memory_bytes, 0u);
  EXPECT_EQ(ended.args, running.args);
}

TEST(ProcessTest, KillEndsAParkedProcessAndClosesItsHandles) {
  auto kernel = MakeKernel();
  auto [mine, theirs] = *Channel::Create();
  SpawnRequest request = RequestFor("idle");
  request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
  theirs.reset();
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());
  std::shared_ptr<Process> process = kernel->Find(spawned->pid);
  ASSERT_TRUE(process);
  ASSERT_TRUE(WaitUntil([&] { return process->state() == TaskState::kParked; }));
  process.reset();
  ASSERT_TRUE(kernel->Kill(spawned->pid).ok());
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kKilled);
  EXPECT_TRUE((mine->signals() & Signals::kPeerClosed) != Signals::kNone);
}

TEST(ProcessTest, ParkedReadWakesWithTheMessage) {
  auto kernel = MakeKernel();
  auto [mine, theirs] = *Channel::Create();
  SpawnRequest request = RequestFor("idle");
  request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
  theirs.reset();
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());
  std::shared_ptr<Process> process = kernel->Find(spawned->pid);
  ASSERT_TRUE(WaitUntil([&] { return process->state() == TaskState::kParked; }));
  process.reset();
  std::vector<uint8_t> bytes(11, 'x');
  ASSERT_TRUE(mine->Write(bytes, {}).ok());
  EXPECT_EQ(kernel->Wait(spawned->pid, testing::kWaitLimit)->code, 11);
}

TEST(ProcessTest, PeerCloseWakesAParkedReader) {
  auto kernel = MakeKernel();
  auto [mine, theirs] = *Channel::Create();
  SpawnRequest request = RequestFor("idle");
  request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
  theirs.reset();
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());
  mine.reset();
  EXPECT_EQ(kernel->Wait(spawned->pid, testing::kWaitLimit)->code, 100 + int(Status::kPeerClosed));
}

TEST(ProcessTest, SleepParksOnTheTimerService) {
  auto kernel = MakeKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("sleeper"));
  ASSERT_TRUE(spawned.ok());
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 3);
}

TEST(ProcessTest, TerminateIsAPacketForAWatchingProcess) {
  auto kernel = MakeKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("terminate_watch"));
  ASSERT_TRUE(spawned.ok());
  std::shared_ptr<Process> process = kernel->Find(spawned->pid);
  ASSERT_TRUE(WaitUntil([&] { return process->state() == TaskState::kParked; }));
  process.reset();
  ASSERT_TRUE(kernel->Terminate(spawned->pid).ok());
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kExited);
  EXPECT_EQ(status->code, 7);
}

TEST(ProcessTest, TerminateKillsAProcessThatWatchesNothing) {
  auto kernel = MakeKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("spin"));
  ASSERT_TRUE(spawned.ok());
  ASSERT_TRUE(kernel->Terminate(spawned->pid).ok());
  EXPECT_EQ(kernel->Wait(spawned->pid, testing::kWaitLimit)->reason, ExitReason::kKilled);
}

TEST(ProcessTest, FuelLimitEndsTheProcess) {
  auto kernel = MakeKernel();
  SpawnRequest request = RequestFor("spin");
  request.fuel_limit = 200'000;
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->reason, ExitReason::kOutOfFuel);
  EXPECT_EQ(status->code, 124);
  EXPECT_EQ(status->fuel_used, 200'000u);
}

TEST(ProcessTest, TwoSpinningProcessesShareTheWorkerFairly) {
  auto kernel = MakeKernel(/*workers=*/1);
  Result<SpawnResult> a = kernel->Spawn(RequestFor("spin"));
  Result<SpawnResult> b = kernel->Spawn(RequestFor("spin"));
  ASSERT_TRUE(a.ok() && b.ok());
  std::shared_ptr<Process> pa = kernel->Find(a->pid), pb = kernel->Find(b->pid);
  // Measured from when both run: on a loaded machine `a` may run alone for a
  // while before this thread gets to spawn `b`.
  ASSERT_TRUE(WaitUntil([&] { return pb->accounting().fuel_used > 0; }));
  const uint64_t a0 = pa->accounting().fuel_used, b0 = pb->accounting().fuel_used;
  ASSERT_TRUE(WaitUntil([&] {
    return pa->accounting().fuel_used - a0 + pb->accounting().fuel_used - b0 > 2'000'000;
  }));
  double fa = double(pa->accounting().fuel_used - a0);
  double fb = double(pb->accounting().fuel_used - b0);
  std::printf("fuel: a=%.0f b=%.0f\n", fa, fb);
  EXPECT_GT(fa / (fa + fb), 0.35);
  EXPECT_GT(fb / (fa + fb), 0.35);
  pa.reset();
  pb.reset();
  ASSERT_TRUE(kernel->Kill(a->pid).ok());
  ASSERT_TRUE(kernel->Kill(b->pid).ok());
  EXPECT_TRUE(kernel->Wait(a->pid, testing::kWaitLimit).ok());
  EXPECT_TRUE(kernel->Wait(b->pid, testing::kWaitLimit).ok());
}

}  // namespace
}  // namespace shoal::kernel
