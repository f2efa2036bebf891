// ProcessOps behaviour, run against local process objects of a real kernel
// and against proxies of them over every transport (ops_test_support.h): the
// handle a node holds for a process on another node.
#include <gtest/gtest.h>

#include "kernel/abi/link.h"
#include "kernel/object/object_test_support.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"
#include "kernel/proc/process_object.h"
#include "kernel/remote/ops_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using kernel::testing::WaitUntil;
using namespace testing;  // ops_test_support.h

class ProcessOpsTest : public ::testing::TestWithParam<Where> {
 protected:
  void SetUp() override {
    KernelOptions options;
    options.link_imports = abi::LinkProcessImports;
    options.workers = 1;
    kernel_ = std::move(Kernel::Create(options).value());
  }

  // Spawns testdata module `name` and hands out its process as the factory
  // does; `parked` waits until it has parked.
  Ref<ProcessOps> Spawn(const std::string& name, bool parked = false) {
    SpawnRequest request = kernel::testing::RequestFor(name);
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
    return objects_.Share(Ref<ProcessOps>(spawned->object));
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
  // After the kernel: the servers of its processes go before it.
  Objects objects_{GetParam()};
};

TEST_P(ProcessOpsTest, InfoGivesThePidAndTheExitOnceEnded) {
  Ref<ProcessOps> process = Spawn("exit42");
  EXPECT_EQ(process->Info()->pid, pid_);  // Known as soon as it is handed out.
  ExitStatus status = Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kExited);
  EXPECT_EQ(status.code, 42);
  Result<ProcessInfo> info = process->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->pid, pid_);
  ASSERT_TRUE(info->exit.has_value());
  EXPECT_EQ(info->exit->code, 42);
}

TEST_P(ProcessOpsTest, WaitExitShouldWaitWhileRunningThenKillEndsIt) {
  Ref<ProcessOps> process = Spawn("idle", /*parked=*/true);
  EXPECT_EQ(process->WaitExit().error().status, Status::kShouldWait);
  EXPECT_FALSE(Any(process->signals(), Signals::kSignaled));
  EXPECT_FALSE(process->Info()->exit.has_value());
  ASSERT_TRUE(process->Kill().ok());
  ExitStatus status = Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kKilled);
  EXPECT_EQ(status.code, kKilledExitCode);
  EXPECT_TRUE(process->Kill().ok());  // Ended already: nothing to do.
}

TEST_P(ProcessOpsTest, TerminateReachesAWatchingProcess) {
  Ref<ProcessOps> process = Spawn("terminate_watch", /*parked=*/true);
  ASSERT_TRUE(process->Terminate().ok());
  ExitStatus status = Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kExited);
  EXPECT_EQ(status.code, 7);
}

TEST_P(ProcessOpsTest, TrapMessageAndAccountingSurviveTheWire) {
  Ref<ProcessOps> process = Spawn("trap");
  ExitStatus status = Ended(*process);
  EXPECT_EQ(status.reason, ExitReason::kTrapped);
  EXPECT_EQ(status.code, 134);
  EXPECT_NE(status.trap_message.find("unreachable"), std::string::npos);
  EXPECT_GT(status.fuel_used, 0u);
}

INSTANTIATE_TEST_SUITE_P(Local, ProcessOpsTest, ::testing::Values(Where()), WhereName());
INSTANTIATE_TEST_SUITE_P(Wire, ProcessOpsTest, testing::AllTransports(), WhereName());

}  // namespace
}  // namespace shoal::kernel::remote
