// Spawning across the wire: a process on node A starts a child on node B
// through B's spawner, hands it a channel end, talks to it, and waits for it
// through the process handle it got back. Two real kernels, one per node.
#include <gtest/gtest.h>

#include "kernel/abi/link.h"
#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/object/process_ops.h"
#include "kernel/object/provider.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/kernel_spawner.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/remote/pair.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::ReadModule;
using kernel::testing::WaitForSignals;

Result<HandleEntry> SpawnOn(SpawnerOps& spawner, SpawnSpec spec) {
  return Await<Result<HandleEntry>>(
      [&](auto done) { spawner.Spawn(std::move(spec), std::move(done)); });
}

class SpawnerRemoteTest : public ::testing::TestWithParam<Pair::Transport> {
 protected:
  void SetUp() override {
    node_b_ = kernel::testing::AbiKernel();
    pair_ = Pair::Create(GetParam());
    ASSERT_NE(pair_, nullptr);
    // Node B exports its spawner; the test stands on node A.
    auto proxy = pair_->Proxy(KernelSpawner::Create(*node_b_), DefaultRights(ObjectType::kSpawner));
    ASSERT_TRUE(proxy.ok()) << proxy.error().message;
    spawner_ = std::static_pointer_cast<SpawnerOps>(*proxy);
  }
  void TearDown() override {
    spawner_.reset();
    pair_.reset();
  }

  std::unique_ptr<Kernel> node_b_;
  std::unique_ptr<Pair> pair_;
  Ref<SpawnerOps> spawner_;
};

TEST_P(SpawnerRemoteTest, ChildOnAnotherNodeEchoesOverTheChannelItWasHanded) {
  auto ends = Channel::Create();
  ASSERT_TRUE(ends.ok());
  SpawnSpec spec;
  spec.module = ReadModule("echo_channel");
  spec.args = {"echo"};
  spec.handles.push_back({ends->second, DefaultRights(ObjectType::kChannel)});
  ends->second.reset();
  Result<HandleEntry> child = SpawnOn(*spawner_, std::move(spec));
  ASSERT_TRUE(child.ok()) << child.error().message;
  auto process = std::static_pointer_cast<ProcessOps>(child->object);

  const std::string hello = "hello across nodes";
  const std::vector<uint8_t> bytes(hello.begin(), hello.end());
  ASSERT_TRUE(ends->first->Write(bytes, {}).ok());
  WaitForSignals(*ends->first, Signals::kReadable);
  auto echoed = ends->first->Read(ReadLimits{});
  ASSERT_TRUE(echoed.ok()) << echoed.error().message;
  EXPECT_EQ(std::string(echoed->bytes.begin(), echoed->bytes.end()), hello);

  Result<ProcessInfo> info = process->Info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_NE(info->pid, 0u);
  ends->first.reset();  // The echo loop ends on peer-closed and exits 0.
  EXPECT_TRUE(Contains(WaitForSignals(*process, Signals::kSignaled), Signals::kSignaled));
  Result<ExitStatus> status = process->WaitExit();
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->code, 0);
}

TEST_P(SpawnerRemoteTest, KillReachesTheChildOnTheOtherNode) {
  auto ends = Channel::Create();
  SpawnSpec spec;
  spec.module = ReadModule("echo_channel");
  spec.handles.push_back({ends->second, DefaultRights(ObjectType::kChannel)});
  Result<HandleEntry> child = SpawnOn(*spawner_, std::move(spec));
  ASSERT_TRUE(child.ok()) << child.error().message;
  auto process = std::static_pointer_cast<ProcessOps>(child->object);
  ASSERT_TRUE(process->Kill().ok());
  EXPECT_TRUE(Contains(WaitForSignals(*process, Signals::kSignaled), Signals::kSignaled));
  Result<ExitStatus> status = process->WaitExit();
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->code, kKilledExitCode);
}

TEST_P(SpawnerRemoteTest, AMalformedModuleIsRefusedWithItsReason) {
  SpawnSpec spec;
  spec.module = {0x00, 0x61, 0x73, 0x6d, 0x02};  // A truncated header.
  Result<HandleEntry> child = SpawnOn(*spawner_, std::move(spec));
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().status, Status::kMalformed);
}

TEST_P(SpawnerRemoteTest, SpawnAfterTheLinkWentFailsWithPeerGone) {
  pair_->Cut();
  SpawnSpec spec;
  spec.module = ReadModule("echo_channel");
  Result<HandleEntry> child = SpawnOn(*spawner_, std::move(spec));
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().status, Status::kPeerGone);
}

// The guest side: pingpong on node A (a one-worker kernel) spawns its child
// on node B through /nodes/b, and they bounce a counter over a channel
// whose ends sit on two nodes.
TEST_P(SpawnerRemoteTest, AGuestSpawnsItsChildOnAnotherNodeAndTheyTalk) {
  auto node_a = kernel::testing::OneWorkerKernel();
  Ref<ObjectProvider> nodes_b = ObjectProvider::Create(
      spawner_, Rights::kManage | Rights::kDuplicate | Rights::kTransfer);
  ASSERT_TRUE(node_a->root_namespace().Bind("/nodes/b", nodes_b).ok());
  SpawnRequest request;
  request.module_path = std::string(SHOAL_APPS_DIR) + "/pingpong.wasm";
  request.args = {"/apps/pingpong.wasm", "--on", "b", "3"};
  request.preopens.push_back(wasi::Preopen{SHOAL_APPS_DIR, "/apps", {}});
  kernel::testing::Spawned pingpong = kernel::testing::SpawnWithOutput(*node_a, std::move(request));
  ASSERT_NE(pingpong.pid, 0u);
  EXPECT_EQ(kernel::testing::WaitCode(*node_a, pingpong.pid), 0)
      << kernel::testing::TextOf(pingpong.out);
  std::string out = kernel::testing::TextOf(pingpong.out);
  EXPECT_NE(out.find("ping 2"), std::string::npos) << out;
  EXPECT_NE(out.find("pingpong: 3 rounds, final 6, child exited 0"), std::string::npos) << out;
}

TEST_P(SpawnerRemoteTest, AGuestSpawningOnAGoneNodeGetsPeerGone) {
  auto node_a = kernel::testing::OneWorkerKernel();
  ASSERT_TRUE(node_a->root_namespace()
                  .Bind("/nodes/b", ObjectProvider::Create(spawner_, Rights::kManage))
                  .ok());
  pair_->Cut();
  SpawnRequest request;
  request.module_path = std::string(SHOAL_APPS_DIR) + "/pingpong.wasm";
  request.args = {"/apps/pingpong.wasm", "--on", "b", "3"};
  request.preopens.push_back(wasi::Preopen{SHOAL_APPS_DIR, "/apps", {}});
  Result<SpawnResult> pingpong = node_a->Spawn(std::move(request));
  ASSERT_TRUE(pingpong.ok()) << pingpong.error().message;
  EXPECT_EQ(kernel::testing::WaitCode(*node_a, pingpong->pid), 1);
  // Status 19, kPeerGone, reaches the guest as -19.
  std::string err = kernel::testing::TextOf(pingpong->console, ConsoleStream::kStderr);
  EXPECT_NE(err.find("spawn on b failed: -19"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Transports, SpawnerRemoteTest,
                         ::testing::Values(Pair::Transport::kPipe, Pair::Transport::kTcp),
                         [](const auto& info) {
                           return info.param == Pair::Transport::kPipe ? "Pipe" : "Tcp";
                         });

}  // namespace
}  // namespace shoal::kernel::remote
