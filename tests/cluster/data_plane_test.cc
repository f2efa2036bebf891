// The data plane between two real shoald processes over TLS on 127.0.0.1,
// driven by the real CLI: `shoal run --on node-b --dir node-a:PATH:/data`
// opens node-a's directory from node-b; a node that dies or stalls fails the
// pending open with a clear error in bounded time, and the next use reaches
// it again once it is back.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kApps = SHOAL_APPS_DIR;

class DataPlaneClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One kernel worker per node: a process parked on a call to another node
    // must not hold it.
    cluster_ = std::make_unique<TestCluster>(2, std::vector<std::string>{"--workers", "1"});
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
    served_ = cluster_->dir() + "/served";
    std::filesystem::create_directories(served_);
    std::ofstream(served_ + "/notes.txt") << "one two\nthree\n";
  }

  // `shoal ARGS` against node `i`'s admin endpoint.
  Ran ShoalAt(int i, const std::string& args) const { return cluster_->ShoalAt(i, args); }

  // Node-b's view of node-a: its entry in `nodes -o json` ("" if none).
  std::string NodeAAsBSeesIt() const {
    Ran r = ShoalAt(1, "nodes -o json");
    size_t at = r.output.find("\"name\":\"node-a\"");
    return at == std::string::npos ? "" : r.output.substr(at, r.output.find('}', at) - at);
  }

  // Waits (bounded) until node-b sees node-a in `state`.
  bool NodeAIs(const std::string& state) const {
    return WaitUntil([&] { return NodeAAsBSeesIt().find(state) != std::string::npos; });
  }

  // Node-a's incarnation as node-b sees it.
  std::string IncarnationOfNodeA() const {
    std::string entry = NodeAAsBSeesIt();
    size_t at = entry.find("\"incarnation\":\"");
    return at == std::string::npos ? "" : entry.substr(at, entry.find('"', at + 15) - at);
  }

  // Starts wc on node-b reading an 8 MiB file of node-a (many round trips)
  // and returns its pid; 0 when it did not start.
  uint64_t StartWcOnBigFileOfNodeA() const;

  // An open of a directory node-a does not have: node-a's own answer.
  Ran OpenMissingOnNodeA() const {
    return ShoalAt(1, "run --on node-b --dir node-a:/no/such/dir:/data " + kApps + "/hello.wasm");
  }

  std::unique_ptr<TestCluster> cluster_;
  std::string served_;
};

// The end-to-end --dir test: a directory of node-a preopened in a process on
// node-b, every call going over the data plane.
TEST_F(DataPlaneClusterTest, ADirectoryOfNodeAIsPreopenedInAProcessOnNodeB) {
  Ran wc = ShoalAt(1, "run --on node-b --follow --dir node-a:" + served_ + ":/data " + kApps +
                          "/wc.wasm /data/notes.txt");
  ASSERT_EQ(wc.exit_code, 0) << wc.output;
  EXPECT_NE(wc.output.find("2       3      14 /data/notes.txt"), std::string::npos) << wc.output;

  // Every file system call files makes (create, write, rename, readdir,
  // unlink, rmdir, ...) goes to node-a's directory too; it cleans up after
  // itself.
  Ran files = ShoalAt(1, "run --on node-b --follow --dir node-a:" + served_ + ":/work " + kApps +
                             "/files.wasm /work");
  EXPECT_EQ(files.exit_code, 0) << files.output;
  EXPECT_EQ(files.output.find("FAIL"), std::string::npos) << files.output;
  EXPECT_NE(files.output.find("ok write sub/a.txt"), std::string::npos) << files.output;
  EXPECT_FALSE(std::filesystem::exists(served_ + "/sub")) << files.output;
  EXPECT_EQ(ReadFile(served_ + "/notes.txt"), "one two\nthree\n");
  EXPECT_NE(ReadFile(cluster_->log(0)).find("data plane: connected with node node-b (accepted)"),
            std::string::npos);
}

TEST_F(DataPlaneClusterTest, AMissingDirectoryOfAnotherNodeIsThatNodesAnswer) {
  Ran r = OpenMissingOnNodeA();
  EXPECT_EQ(r.exit_code, 79) << r.output;  // NOT_FOUND.
  EXPECT_NE(r.output.find("node node-b cannot preopen node-a:/no/such/dir: node node-a cannot "
                          "open /no/such/dir"),
            std::string::npos)
      << r.output;
  // Over one TLS connection, dialled by node-b and accepted by node-a.
  EXPECT_TRUE(WaitForText(cluster_->log(1), "data plane: connected with node node-a (dialled)"));
  EXPECT_TRUE(WaitForText(cluster_->log(0), "data plane: connected with node node-b (accepted)"));
  Ran nodes = ShoalAt(1, "nodes -o json");
  EXPECT_NE(nodes.output.find("\"data_address\":\"" + cluster_->data_address(0) + "\""),
            std::string::npos)
      << nodes.output;
}

TEST_F(DataPlaneClusterTest, ASpecWhoseFirstPartIsNoNodeIsALocalPath) {
  // "node-z" names no member: HOST is "node-z" on node-b (relative, absent).
  Ran r = ShoalAt(1, "run --on node-b --dir node-z:" + served_ + " " + kApps + "/hello.wasm");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("'node-z'"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("cannot preopen"), std::string::npos) << r.output;
  // A local directory with a guest path works as before.
  Ran local = ShoalAt(1, "run --on node-b --follow --dir " + served_ + ":/data " + kApps +
                             "/wc.wasm /data/notes.txt");
  EXPECT_EQ(local.exit_code, 0) << local.output;
  EXPECT_NE(local.output.find("/data/notes.txt"), std::string::npos) << local.output;
}

TEST_F(DataPlaneClusterTest, KillingThePeerFailsAPendingOpenPromptlyAndTheNextUseReconnects) {
  ASSERT_EQ(OpenMissingOnNodeA().exit_code, 79);  // The connection is up.
  const std::string incarnation = IncarnationOfNodeA();
  ASSERT_NE(incarnation, "");
  // Node-a stops answering; an open from node-b waits for it...
  cluster_->Signal(0, SIGSTOP);
  Ran pending;
  Clock::time_point ended;
  std::thread opener([&] {
    pending = OpenMissingOnNodeA();
    ended = Clock::now();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // ...until node-a dies: its socket closes and the call fails at once.
  Clock::time_point killed = Clock::now();
  cluster_->Kill9(0);
  opener.join();
  EXPECT_EQ(pending.exit_code, 69) << pending.output;  // UNAVAILABLE.
  EXPECT_NE(pending.output.find("node node-b cannot preopen node-a:/no/such/dir"),
            std::string::npos)
      << pending.output;
  EXPECT_NE(pending.output.find("node node-a is gone"), std::string::npos) << pending.output;
  EXPECT_LT(ended - killed, std::chrono::seconds(3));

  // While it is down, opens fail at once rather than hang.
  Clock::time_point start = Clock::now();
  Ran down = OpenMissingOnNodeA();
  EXPECT_EQ(down.exit_code, 69) << down.output;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(8));

  // Node-a restarts; node-b's next use dials the new daemon (once node-b
  // heard of it: it may never have seen the old one dead).
  cluster_->Start(0);
  ASSERT_TRUE(WaitUntil([&] {
    return IncarnationOfNodeA() != incarnation &&
           NodeAAsBSeesIt().find("NODE_STATE_UP") != std::string::npos;
  }));
  Ran back = OpenMissingOnNodeA();
  EXPECT_EQ(back.exit_code, 79) << back.output;
  EXPECT_NE(back.output.find("node node-a cannot open /no/such/dir"), std::string::npos)
      << back.output;
}

// A file of `lines` lines "abc def\n" in the served directory.
void WriteLines(const std::string& path, int lines) {
  std::ofstream out(path);
  for (int i = 0; i < lines; ++i) out << "abc def\n";
}

constexpr int kBigLines = 1 << 20;  // 8 MiB: many round trips to node-a.

uint64_t DataPlaneClusterTest::StartWcOnBigFileOfNodeA() const {
  WriteLines(served_ + "/big.txt", kBigLines);
  Ran started = ShoalAt(
      1, "run --on node-b --dir node-a:" + served_ + ":/data " + kApps + "/wc.wasm /data/big.txt");
  unsigned long long pid = 0;
  EXPECT_EQ(started.exit_code, 0) << started.output;
  EXPECT_EQ(std::sscanf(started.output.c_str(), "started %llu", &pid), 1) << started.output;
  return pid;
}

TEST_F(DataPlaneClusterTest, ACallStuckOnAStalledNodeParksOnlyItsProcess) {
  uint64_t pid = StartWcOnBigFileOfNodeA();
  ASSERT_NE(pid, 0u);
  // wc has just started reading node-a's file: its next call to node-a
  // will wait while node-a is stopped.
  cluster_->Signal(0, SIGSTOP);
  Ran other = ShoalAt(1, "run --on node-b --follow " + kApps + "/life.wasm 30 10");
  Ran during = ShoalAt(1, "ps --node node-b -o json");
  cluster_->Signal(0, SIGCONT);
  // Node-b's only worker ran life to its end while wc waited on node-a.
  EXPECT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(during.output.find("\"pid\":\"" + std::to_string(pid) +
                               "\",\"node\":\"node-b\","
                               "\"state\":\"PROCESS_STATE_RUNNING\""),
            std::string::npos)
      << during.output;

  // Then wc goes on and reads the whole file.
  Ran wait = ShoalAt(1, "wait --timeout 60 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  Ran logs = ShoalAt(1, "logs " + std::to_string(pid));
  EXPECT_NE(logs.output.find(std::to_string(kBigLines) + " " + std::to_string(2 * kBigLines) + " " +
                             std::to_string(8 * kBigLines) + " /data/big.txt"),
            std::string::npos)
      << logs.output;
}

TEST_F(DataPlaneClusterTest, KillingTheServingNodeFailsTheProcesssCallWithHostUnreachable) {
  uint64_t pid = StartWcOnBigFileOfNodeA();
  ASSERT_NE(pid, 0u);
  Clock::time_point killed = Clock::now();
  cluster_->Kill9(0);
  Ran wait = ShoalAt(1, "wait --timeout 20 " + std::to_string(pid));
  EXPECT_LT(Clock::now() - killed, std::chrono::seconds(5));
  EXPECT_EQ(wait.exit_code, 1) << wait.output;
  // Whichever call was under way (the open or a read) fails with
  // EHOSTUNREACH, the errno of peer gone.
  Ran logs = ShoalAt(1, "logs " + std::to_string(pid));
  EXPECT_NE(logs.output.find("wc: /data/big.txt: Host is unreachable"), std::string::npos)
      << logs.output;
}

TEST_F(DataPlaneClusterTest, AStalledPeerFailsAPendingOpenWhenMembershipDeclaresItDead) {
  ASSERT_EQ(OpenMissingOnNodeA().exit_code, 79);
  cluster_->Signal(0, SIGSTOP);
  Clock::time_point start = Clock::now();
  Ran pending = OpenMissingOnNodeA();
  Clock::duration took = Clock::now() - start;
  cluster_->Signal(0, SIGCONT);
  EXPECT_EQ(pending.exit_code, 69) << pending.output;
  EXPECT_NE(pending.output.find("node node-a is gone"), std::string::npos) << pending.output;
  // Dead after --dead-ms of silence, well before the open's own timeout.
  EXPECT_LT(took, std::chrono::milliseconds(TestCluster::kDeadMs + 3000));

  ASSERT_TRUE(NodeAIs("NODE_STATE_UP"));
  Ran back = OpenMissingOnNodeA();
  EXPECT_EQ(back.exit_code, 79) << back.output;
}

}  // namespace
}  // namespace shoal::testing
