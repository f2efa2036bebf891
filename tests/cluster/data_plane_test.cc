// The data plane between two real shoald processes over TLS on 127.0.0.1,
// driven by the real CLI: `shoal run --on node-b --dir node-a:PATH:/data`
// opens node-a's directory from node-b; a node that dies or stalls fails the
// pending open with a clear error in bounded time, and the next use reaches
// it again once it is back.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
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
    cluster_ = std::make_unique<TestCluster>(2);
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
    served_ = cluster_->dir() + "/served";
    std::filesystem::create_directories(served_);
    std::ofstream(served_ + "/notes.txt") << "one two\nthree\n";
  }

  // `shoal ARGS` against node `i`'s admin endpoint.
  Ran ShoalAt(int i, const std::string& args) const {
    size_t space = args.find(' ');
    return Shell(std::string(SHOAL_BIN) + " " + args.substr(0, space) +
                 cluster_->ConnectionFlags(i) + args.substr(space));
  }

  // Waits (bounded) until node-b sees node-a in `state`.
  bool NodeAIs(const std::string& state) const {
    return WaitUntil([&] {
      Ran r = ShoalAt(1, "nodes -o json");
      size_t at = r.output.find("\"name\":\"node-a\"");
      return at != std::string::npos &&
             r.output.substr(at, r.output.find('}', at) - at).find(state) != std::string::npos;
    });
  }

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

  // Node-a restarts; node-b's next use dials the new daemon.
  cluster_->Start(0);
  ASSERT_TRUE(NodeAIs("NODE_STATE_UP"));
  Ran back = OpenMissingOnNodeA();
  EXPECT_EQ(back.exit_code, 79) << back.output;
  EXPECT_NE(back.output.find("node node-a cannot open /no/such/dir"), std::string::npos)
      << back.output;
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
