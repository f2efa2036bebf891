// ProcessOps behaviour, run against local process objects and against
// proxies of them (the handle a later issue hands out for a process on
// another node).
#include "kernel/proc/process_object.h"

#include <gtest/gtest.h>

#include "kernel/object/object_test_support.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {
namespace {

using testing::FactoryName;
using testing::ObjectFactories;
using testing::WaitForSignals;
using testing::WaitUntil;

template <typename Factory>
class ProcessOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KernelOptions options;
    options.workers = 1;
    kernel_ = std::move(Kernel::Create(options).value());
  }

  // Spawns testdata module `name` and hands out its process as the factory
  // does; `parked` waits until it has parked.
  Ref<ProcessOps> Spawn(const std::string& name, bool parked = false) {
    SpawnRequest request = testing::RequestFor(name);
    request.reaping = Reaping::kWithHandle;
    if (name == "idle") {
      auto [mine, theirs] = Channel::Create().value();
      peers_.push_back(mine);
      request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
    }
    Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
    EXPECT_TRUE(spawned.ok());
    if (!spawned.ok()) return nullptr;
    pid_ = spawned->pid;
    if (parked) {
      std::shared_ptr<Process> p = kernel_->Find(pid_);
      EXPECT_TRUE(p && WaitUntil([&] { return p->state() == TaskState::kParked; }));
    }
    return this->objects_.Share(Ref<ProcessOps>(spawned->object));
  }

  // The exit status once `process` signals its end.
  ExitStatus Ended(ProcessOps& process) {
    EXPECT_TRUE(Any(WaitForSignals(process, Signals::kSignaled), Signals::kSignaled));
    Result<ExitStatus> status = process.WaitExit();
    EXPECT_TRUE(status.ok());
    return status.ok() ? *status : ExitStatus{};
  }

  std::unique_ptr<Kernel> kernel_;
  std::vector<Ref<Channel>> peers_;
  uint64_t pid_ = 0;
  Factory objects_;  // After the kernel: proxies go before the objects' kernel.
};
TYPED_TEST_SUITE(ProcessOpsTest, ObjectFactories, FactoryName);

TYPED_TEST(ProcessOpsTest, InfoGivesThePidAndTheExitOnceEnded) {
  Ref<ProcessOps> process = this->Spawn("exit42");
  ExitStatus status = this->Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kExited);
  EXPECT_EQ(status.code, 42);
  Result<ProcessInfo> info = process->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->pid, this->pid_);
  ASSERT_TRUE(info->exit.has_value());
  EXPECT_EQ(info->exit->code, 42);
}

TYPED_TEST(ProcessOpsTest, WaitExitShouldWaitWhileRunningThenKillEndsIt) {
  Ref<ProcessOps> process = this->Spawn("idle", /*parked=*/true);
  EXPECT_EQ(process->WaitExit().error().status, Status::kShouldWait);
  EXPECT_FALSE(Any(process->signals(), Signals::kSignaled));
  EXPECT_FALSE(process->Info()->exit.has_value());
  ASSERT_TRUE(process->Kill().ok());
  ExitStatus status = this->Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kKilled);
  EXPECT_EQ(status.code, kKilledExitCode);
  EXPECT_TRUE(process->Kill().ok());  // Ended already: nothing to do.
}

TYPED_TEST(ProcessOpsTest, TerminateReachesAWatchingProcess) {
  Ref<ProcessOps> process = this->Spawn("terminate_watch", /*parked=*/true);
  ASSERT_TRUE(process->Terminate().ok());
  ExitStatus status = this->Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kExited);
  EXPECT_EQ(status.code, 7);
}

TYPED_TEST(ProcessOpsTest, TrapMessageAndAccountingSurviveTheWire) {
  Ref<ProcessOps> process = this->Spawn("trap");
  ExitStatus status = this->Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kTrapped);
  EXPECT_EQ(status.code, 134);
  EXPECT_NE(status.trap_message.find("unreachable"), std::string::npos);
  EXPECT_GT(status.fuel_used, 0u);
}

// The server enforces what it exported: a wait-only export cannot kill.
TEST(ProcessProxyTest, ServerEnforcesExportedRights) {
  KernelOptions options;
  options.workers = 1;
  auto kernel = std::move(Kernel::Create(options).value());
  SpawnRequest request = testing::RequestFor("exit42");
  request.reaping = Reaping::kWithHandle;
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());
  LoopbackConnection connection;
  auto proxy = connection.Proxy(spawned->object, Rights::kWait);
  ASSERT_TRUE(proxy.ok());
  auto process = std::static_pointer_cast<ProcessOps>(*proxy);
  EXPECT_EQ(process->Kill().error().status, Status::kAccessDenied);
  EXPECT_EQ(process->Terminate().error().status, Status::kAccessDenied);
  EXPECT_TRUE(process->Info().ok());
}

}  // namespace
}  // namespace shoal::kernel
