// Processes spread over nodes, with real shoald processes over TLS on
// 127.0.0.1: a guest on node-a starts children on node-b and node-c through
// /nodes/NAME (the spawner each shoald binds) and talks to them over
// channels that cross the data plane. The children are their nodes'
// processes (pids, ps, logs there). A node that dies under a running
// conversation ends it with an error the guest sees, in bounded time, and a
// node that stalls parks the guest, not node-a's only worker.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <regex>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kApps = SHOAL_APPS_DIR;

class SpawnOnTest : public ::testing::Test {
 protected:
  // One kernel worker per node: a guest parked on another node must not
  // hold it.
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(3, std::vector<std::string>{"--workers", "1"});
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  // Starts `app args` on node-a with the apps directory preopened (the
  // multi-process apps read their own module) and returns its pid, 0 on
  // failure.
  uint64_t StartOnA(const std::string& app_and_args) {
    Ran r = cluster_->Shoal("run --on node-a --dir " + kApps + " " + kApps + "/" + app_and_args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    unsigned long long pid = 0;
    if (std::sscanf(r.output.c_str(), "started %llu", &pid) != 1) return 0;
    return pid;
  }

  // The pid of the process named `app` with `role` as its first argument on
  // `node`, from `ps -o json`; 0 when there is none.
  uint64_t PidOf(const std::string& node, const std::string& role) {
    Ran ps = cluster_->Shoal("ps --node " + node + " -o json");
    std::regex entry("\"pid\":\"([0-9]+)\"[^}]*\"args\":\\[\"[^\"]*\",\"" + role + "\"");
    std::smatch match;
    if (!std::regex_search(ps.output, match, entry)) return 0;
    return std::stoull(match[1]);
  }

  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(SpawnOnTest, APipelineSpreadsOverThreeNodes) {
  Ran run = cluster_->Shoal("run --on node-a --follow --dir " + kApps + " " + kApps +
                            "/pipeline.wasm --on node-b,node-c 2000");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("= 1333333000 (correct); filter exited 0, consumer 0 "
                            "(filter on node-b, consumer on node-c)"),
            std::string::npos)
      << run.output;

  // Each child is a process of the node it runs on: its pid from that node
  // (node-b is id 2, node-c id 3), listed by its ps, its output in its logs.
  uint64_t filter = PidOf("node-b", "filter");
  uint64_t consumer = PidOf("node-c", "consumer");
  ASSERT_NE(filter, 0u) << cluster_->Shoal("ps -o json").output;
  ASSERT_NE(consumer, 0u) << cluster_->Shoal("ps -o json").output;
  EXPECT_EQ(filter & 0xfff, 2u);
  EXPECT_EQ(consumer & 0xfff, 3u);
  EXPECT_NE(
      cluster_->Shoal("logs " + std::to_string(filter)).output.find("filter: passed 1000 values"),
      std::string::npos);
  EXPECT_NE(cluster_->Shoal("logs " + std::to_string(consumer))
                .output.find("consumer: 1000 values, sum 1333333000"),
            std::string::npos);
}

TEST_F(SpawnOnTest, AParentAndItsChildOnAnotherNodeTalkOverAChannel) {
  Ran run = cluster_->Shoal("run --on node-a --follow --dir " + kApps + " " + kApps +
                            "/pingpong.wasm --on node-c 5");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("pingpong: 5 rounds, final 10, child exited 0"), std::string::npos)
      << run.output;
  uint64_t child = PidOf("node-c", "child");
  ASSERT_NE(child, 0u);
  EXPECT_NE(cluster_->Shoal("logs " + std::to_string(child)).output.find("pong 8"),
            std::string::npos);
}

TEST_F(SpawnOnTest, ANodeThatIsNoMemberIsAClearError) {
  Ran run = cluster_->Shoal("run --on node-a --follow --dir " + kApps + " " + kApps +
                            "/pingpong.wasm --on node-z 1");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("pingpong: spawn on node-z failed: -9"), std::string::npos)
      << run.output;  // -9: not found.
}

TEST_F(SpawnOnTest, KillingTheChildsNodeEndsTheConversationWithAnError) {
  uint64_t parent = StartOnA("pingpong.wasm --on node-b 1000000000");
  ASSERT_NE(parent, 0u);
  const std::string logs = "logs " + std::to_string(parent);
  ASSERT_TRUE(WaitUntil([&] {
    return cluster_->Shoal(logs).output.find("ping 20") != std::string::npos;
  })) << cluster_->Shoal(logs).output;

  Clock::time_point killed = Clock::now();
  cluster_->Kill9(1);
  Ran wait = cluster_->Shoal("wait --timeout 20 " + std::to_string(parent));
  EXPECT_LT(Clock::now() - killed, std::chrono::seconds(5));
  EXPECT_EQ(wait.exit_code, 1) << wait.output;
  // The channel end on node-a reads as peer-closed once the link is gone.
  EXPECT_NE(cluster_->Shoal(logs).output.find("the channel to the child failed: -7"),
            std::string::npos)
      << cluster_->Shoal(logs).output;

  // Spawning there now fails at once with peer gone (-19), until it is back.
  Ran gone = cluster_->Shoal("run --on node-a --follow --dir " + kApps + " " + kApps +
                             "/pingpong.wasm --on node-b 1");
  EXPECT_EQ(gone.exit_code, 1) << gone.output;
  EXPECT_NE(gone.output.find("spawn on node-b failed: -19"), std::string::npos) << gone.output;
}

TEST_F(SpawnOnTest, AStalledNodeParksTheGuestAndNodeAsOnlyWorkerRunsOthers) {
  uint64_t parent = StartOnA("pingpong.wasm --on node-b 1000000000");
  ASSERT_NE(parent, 0u);
  const std::string logs = "logs " + std::to_string(parent);
  ASSERT_TRUE(
      WaitUntil([&] { return cluster_->Shoal(logs).output.find("ping 20") != std::string::npos; }));

  // Node-b stops answering; the parent parks in its channel read. Node-a's
  // single worker still runs another process from start to end.
  cluster_->Signal(1, SIGSTOP);
  Ran other = cluster_->Shoal("run --on node-a --follow " + kApps + "/life.wasm 30 10");
  Ran progress = cluster_->Shoal("ps --node node-a -o json");
  cluster_->Signal(1, SIGCONT);
  EXPECT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(progress.output.find("PROCESS_STATE_RUNNING"), std::string::npos) << progress.output;

  // Once node-b answers again the conversation goes on.
  std::string before = cluster_->Shoal(logs).output;
  EXPECT_TRUE(WaitUntil([&] { return cluster_->Shoal(logs).output.size() > before.size() + 64; }))
      << before;
  EXPECT_EQ(cluster_->Shoal("kill " + std::to_string(parent)).exit_code, 0);
}

}  // namespace
}  // namespace shoal::testing
