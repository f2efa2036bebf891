// Process handles across the wire, over both transports of remote::Pair,
// with real processes of a real kernel on the serving side: the proxy knows
// the pid as soon as it is handed out and the exit status as soon as it
// shows kSignaled, Kill and Terminate reach the process, the server enforces
// kManage, and a cut connection wakes waiters and makes Info, WaitExit and
// the guest's process_wait report kPeerGone.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "kernel/abi/abi.h"
#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/remote_test_support.h"
#include "kernel/wasi/guest_memory.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using kernel::testing::WaitUntil;
using std::chrono::milliseconds;

// What process_wait(handle, flags, 0) returns to `caller`'s guest.
int32_t ProcessWaitFor(Process& caller, HandleValue handle, uint32_t flags) {
  std::vector<uint8_t> memory(64);
  std::vector<vm::Value> args{vm::Value::I32(handle), vm::Value::I32(flags), vm::Value::I32(0)};
  abi::AbiCall call(caller, wasi::GuestMemory(std::span<uint8_t>(memory)), args);
  return abi::Dispatch(*abi::FindAbiFunction("process_wait"), call);
}

class ProcessRemoteTest : public testing::PairTest {
 protected:
  void SetUp() override {
    kernel_ = kernel::testing::OneWorkerKernel();
    PairTest::SetUp();
  }

  enum class Until { kSpawned, kParked };

  // Spawns testdata module `name`, its startup handle 0 a channel whose
  // other end the test keeps (`idle` parks reading it), and returns its
  // ProcessObject once it is `until`.
  Ref<ProcessObject> Spawn(const std::string& name, Until until = Until::kSpawned) {
    auto [mine, theirs] = Channel::Create().value();
    peers_.push_back(mine);
    SpawnRequest request = kernel::testing::RequestFor(name);
    request.handles = {{theirs, DefaultRights(ObjectType::kChannel)}};
    request.reaping = Reaping::kWithHandle;
    Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
    if (!spawned.ok()) {
      ADD_FAILURE() << spawned.error().message;
      return nullptr;
    }
    if (until == Until::kParked) {
      std::shared_ptr<Process> process = kernel_->Find(spawned->pid);
      EXPECT_TRUE(process && WaitUntil([&] { return process->state() == TaskState::kParked; }));
    }
    return spawned->object;
  }

  Ref<ProcessOps> ProxyOf(Ref<ProcessObject> process,
                          Rights rights = DefaultRights(ObjectType::kProcess)) {
    return PairTest::ProxyOf<ProcessOps>(std::move(process), rights);
  }

  // The exit status once `process` shows kSignaled.
  static ExitStatus Ended(ProcessOps& process) {
    EXPECT_TRUE(Any(WaitForSignals(process, Signals::kSignaled), Signals::kSignaled));
    Result<ExitStatus> status = process.WaitExit();
    EXPECT_TRUE(status.ok()) << status.error().message;
    return status.ok() ? *status : ExitStatus{};
  }

  std::unique_ptr<Kernel> kernel_;
  std::vector<Ref<Channel>> peers_;
};

TEST_P(ProcessRemoteTest, KnowsThePidWhenHandedOutAndTheExitOnceEnded) {
  Ref<ProcessObject> local = Spawn("exit42");
  Ref<ProcessOps> remote = ProxyOf(local);
  Result<ProcessInfo> info = remote->Info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->pid, local->pid());
  ExitStatus status = Ended(*remote);
  EXPECT_EQ(status.reason, ExitReason::kExited);
  EXPECT_EQ(status.code, 42);
  EXPECT_EQ(remote->Info()->pid, local->pid());
}

TEST_P(ProcessRemoteTest, RunningUntilKilledFromAfar) {
  Ref<ProcessObject> local = Spawn("idle", Until::kParked);
  Ref<ProcessOps> remote = ProxyOf(local);
  EXPECT_EQ(remote->WaitExit().error().status, Status::kShouldWait);
  EXPECT_FALSE(Any(remote->signals(), Signals::kSignaled));
  ASSERT_TRUE(remote->Kill().ok());
  ExitStatus status = Ended(*remote);
  EXPECT_EQ(status.reason, ExitReason::kKilled);
  EXPECT_EQ(status.code, kKilledExitCode);
  EXPECT_TRUE(local->exit_status().has_value());
  EXPECT_TRUE(remote->Kill().ok());  // Ended already: nothing to do.
}

TEST_P(ProcessRemoteTest, TerminateReachesAWatchingProcess) {
  Ref<ProcessOps> remote = ProxyOf(Spawn("terminate_watch", Until::kParked));
  ASSERT_TRUE(remote->Terminate().ok());
  ExitStatus status = Ended(*remote);
  EXPECT_EQ(status.reason, ExitReason::kExited);
  EXPECT_EQ(status.code, 7);
}

TEST_P(ProcessRemoteTest, TrapMessageAndAccountingCross) {
  Ref<ProcessOps> remote = ProxyOf(Spawn("trap"));
  ExitStatus status = Ended(*remote);
  EXPECT_EQ(status.reason, ExitReason::kTrapped);
  EXPECT_EQ(status.code, 134);
  EXPECT_NE(status.trap_message.find("unreachable"), std::string::npos);
  EXPECT_GT(status.fuel_used, 0u);
}

TEST_P(ProcessRemoteTest, ServerEnforcesManage) {
  Ref<ProcessObject> local = Spawn("idle", Until::kParked);
  Ref<ProcessOps> remote = ProxyOf(local, Rights::kWait);
  EXPECT_TRUE(remote->Kill().ok());  // Posted; refused there.
  EXPECT_TRUE(remote->Terminate().ok());
  EXPECT_EQ(WaitForSignals(*remote, Signals::kSignaled, milliseconds(200)), Signals::kNone);
  EXPECT_FALSE(local->exit_status().has_value());
  ASSERT_TRUE(local->Kill().ok());
  EXPECT_EQ(Ended(*remote).reason, ExitReason::kKilled);
}

TEST_P(ProcessRemoteTest, CutWakesWaitersAndReportsPeerGone) {
  Ref<ProcessObject> local = Spawn("idle", Until::kParked);
  Ref<ProcessOps> remote = ProxyOf(local);
  // A guest holding the handle sees it running, then the node gone.
  Ref<ProcessObject> holder_object = Spawn("idle", Until::kParked);
  std::shared_ptr<Process> holder = kernel_->Find(holder_object->pid());
  ASSERT_NE(holder, nullptr);
  Result<HandleValue> handle = holder->handles().Add(remote, Rights::kWait);
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(ProcessWaitFor(*holder, *handle, 0), -int32_t(Status::kShouldWait));

  auto waiter =
      std::async(std::launch::async, [&] { return WaitForSignals(*remote, Signals::kSignaled); });
  std::this_thread::sleep_for(milliseconds(20));
  pair_->Cut();
  EXPECT_TRUE(Any(waiter.get(), Signals::kSignaled));
  EXPECT_TRUE(Contains(remote->signals(), Signals::kSignaled | Signals::kPeerClosed));
  EXPECT_EQ(remote->Info().error().status, Status::kPeerGone);
  EXPECT_EQ(remote->WaitExit().error().status, Status::kPeerGone);
  EXPECT_EQ(remote->Kill().error().status, Status::kPeerGone);
  EXPECT_EQ(remote->Terminate().error().status, Status::kPeerGone);
  EXPECT_EQ(ProcessWaitFor(*holder, *handle, 0), -int32_t(Status::kPeerGone));
  EXPECT_EQ(ProcessWaitFor(*holder, *handle, abi::kWaitFlag), -int32_t(Status::kPeerGone));
  EXPECT_FALSE(local->exit_status().has_value());  // The process itself runs on.
  ASSERT_TRUE(local->Kill().ok());
  EXPECT_TRUE(holder->handles().Close(*handle).ok());
}

TEST_P(ProcessRemoteTest, AnExitLearntBeforeTheCutStays) {
  Ref<ProcessOps> remote = ProxyOf(Spawn("exit42"));
  ASSERT_EQ(Ended(*remote).code, 42);
  pair_->Cut();
  ASSERT_TRUE(Any(WaitForSignals(*remote, Signals::kPeerClosed), Signals::kPeerClosed));
  Result<ExitStatus> status = remote->WaitExit();
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->code, 42);
}

INSTANTIATE_TEST_SUITE_P(Transports, ProcessRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
