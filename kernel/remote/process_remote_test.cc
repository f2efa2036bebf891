// Process handles across the wire, over every transport of remote::Pair,
// with real processes of a real kernel on the serving side: the server
// enforces kManage, and a cut connection wakes waiters and makes Info,
// WaitExit and the guest's process_wait report kPeerGone, while an exit
// learnt before stays. What a process handle does wherever its process runs
// is in process_ops_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
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

// What host call `name` returns to `caller`'s guest, called with `args`
// (i32s) on `memory`.
int32_t GuestCall(Process& caller, const char* name, std::vector<uint32_t> args,
                  std::span<uint8_t> memory) {
  std::vector<vm::Value> values;
  for (uint32_t arg : args) values.push_back(vm::Value::I32(arg));
  abi::AbiCall call(caller, wasi::GuestMemory(memory), values);
  return abi::Dispatch(*abi::FindAbiFunction(name), call);
}

// What process_wait(handle, flags, 0) returns to `caller`'s guest; the exit
// code it wrote goes to `code`.
int32_t ProcessWaitFor(Process& caller, HandleValue handle, uint32_t flags,
                       uint32_t* code = nullptr) {
  std::vector<uint8_t> memory(64);
  int32_t result = GuestCall(caller, "process_wait", {handle, flags, 0}, memory);
  if (code != nullptr) std::memcpy(code, memory.data(), sizeof(*code));
  return result;
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

// A guest's process calls on a handle of another node's process act there.
TEST_P(ProcessRemoteTest, AGuestWaitsForAndKillsAProcessOfAnotherNode) {
  Ref<ProcessObject> holder_object = Spawn("idle", Until::kParked);
  std::shared_ptr<Process> holder = kernel_->Find(holder_object->pid());
  ASSERT_NE(holder, nullptr);
  Rights rights = DefaultRights(ObjectType::kProcess);
  std::vector<uint8_t> memory(64);

  HandleValue ended = holder->handles().Add(ProxyOf(Spawn("exit42")), rights).value();
  uint32_t code = 0;
  EXPECT_TRUE(WaitUntil([&] { return ProcessWaitFor(*holder, ended, 0, &code) == 0; }));
  EXPECT_EQ(code, 42u);
  EXPECT_EQ(GuestCall(*holder, "process_terminate", {ended}, memory), 0);  // Ended: nothing to do.

  Ref<ProcessObject> idle = Spawn("idle", Until::kParked);
  HandleValue running = holder->handles().Add(ProxyOf(idle), rights).value();
  EXPECT_EQ(ProcessWaitFor(*holder, running, 0), -int32_t(Status::kShouldWait));
  EXPECT_EQ(GuestCall(*holder, "process_kill", {running}, memory), 0);
  EXPECT_TRUE(WaitUntil([&] { return ProcessWaitFor(*holder, running, 0, &code) == 0; }));
  EXPECT_EQ(code, uint32_t(kKilledExitCode));
  EXPECT_TRUE(idle->exit_status().has_value());
  EXPECT_TRUE(holder->handles().Close(ended).ok());
  EXPECT_TRUE(holder->handles().Close(running).ok());
  ASSERT_TRUE(holder_object->Kill().ok());
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
