// Devices across nodes with real shoald processes over TLS on 127.0.0.1,
// driven by the real CLI: `shoal devices` lists every node's, `shoal mount
// node-a:/dev/random /dev/random-a --on node-b` lets a process on node-b
// read node-a's device (apps/devread), mount errors are precise, umount
// cuts later opens and what was opened, and a mount survives the restart
// of either node.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

const std::string kDevread = std::string(SHOAL_APPS_DIR) + "/devread.wasm";

class MountClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(2);
    cluster_->SetNodeFlags(0, {"--device", "/dev/video0=synthetic-camera"});
    cluster_->Kill9(0);
    cluster_->Start(0);
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  // Runs devread on node-b against `path` to its end (bounded by `shoal
  // run --follow`'s own wait): its output and exit code.
  Ran ReadOnB(const std::string& path) const {
    return cluster_->Shoal("run --on node-b --follow " + kDevread + " " + path + " 32");
  }

  // Reads through the mount until it works (node-a may still be joining
  // again after a restart), at most 30 s.
  bool ReadsAgain(const std::string& path) const {
    return WaitUntil([&] { return ReadOnB(path).exit_code == 0; });
  }

  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(MountClusterTest, DevicesListsEveryNodeWithKindDriverAndModes) {
  Ran r = cluster_->Shoal("devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("NODE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MODES/SOURCE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("node-a  /dev/random"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("node-b  /dev/random"), std::string::npos) << r.output;
  Ran json = cluster_->Shoal("devices --node node-a -o json");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(
      json.output.find("\"path\":\"/dev/video0\",\"kind\":\"camera\",\"driver\":\"synthetic\""),
      std::string::npos)
      << json.output;
  EXPECT_NE(json.output.find("yuyv 640x480 30/1"), std::string::npos) << json.output;
  EXPECT_EQ(json.output.find("node-b"), std::string::npos) << json.output;
  // ListNodes carries each node's device paths.
  EXPECT_TRUE(WaitUntil([&] {
    return cluster_->ShoalAt(1, "nodes -o json").output.find("\"/dev/video0\"") !=
           std::string::npos;
  }));
}

TEST_F(MountClusterTest, AProcessOnNodeBReadsNodeAsDeviceThroughAMount) {
  Ran m = cluster_->Shoal("mount node-a:/dev/random /dev/random-a --on node-b");
  ASSERT_EQ(m.exit_code, 0) << m.output;
  Ran read = ReadOnB("/dev/random-a");
  EXPECT_EQ(read.exit_code, 0) << read.output;
  EXPECT_NE(read.output.find("devread: read 32 bytes from /dev/random-a"), std::string::npos)
      << read.output;
  Ran list = cluster_->Shoal("devices --node node-b");
  EXPECT_NE(list.output.find("/dev/random-a  mount   remote"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("node-a:/dev/random"), std::string::npos) << list.output;
}

TEST_F(MountClusterTest, MountErrorsArePrecise) {
  ASSERT_EQ(cluster_->Shoal("mount node-a:/dev/random /dev/random-a --on node-b").exit_code, 0);
  Ran unknown = cluster_->Shoal("mount node-z:/dev/random /dev/x --on node-b");
  EXPECT_EQ(unknown.exit_code, 79) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown node 'node-z'"), std::string::npos) << unknown.output;
  Ran missing = cluster_->Shoal("mount node-a:/dev/nope /dev/x --on node-b");
  EXPECT_EQ(missing.exit_code, 79) << missing.output;
  EXPECT_NE(missing.output.find("node node-a cannot open /dev/nope"), std::string::npos)
      << missing.output;
  Ran taken = cluster_->Shoal("mount node-a:/dev/zero /dev/random-a --on node-b");
  EXPECT_EQ(taken.exit_code, 73) << taken.output;
  EXPECT_NE(taken.output.find("/dev/random-a is taken"), std::string::npos) << taken.output;
  Ran syntax = cluster_->Shoal("mount node-a/dev/random /dev/x --on node-b");
  EXPECT_EQ(syntax.exit_code, 64) << syntax.output;
  EXPECT_NE(syntax.output.find("NODE:/dev/PATH"), std::string::npos) << syntax.output;
  Ran outside = cluster_->Shoal("mount node-a:/etc/passwd /dev/x --on node-b");
  EXPECT_EQ(outside.exit_code, 64) << outside.output;
  Ran on = cluster_->Shoal("mount node-a:/dev/random /dev/x --on node-q");
  EXPECT_EQ(on.exit_code, 79) << on.output;
  EXPECT_NE(on.output.find("unknown node 'node-q'"), std::string::npos) << on.output;
}

TEST_F(MountClusterTest, UmountFailsLaterOpensAndCutsWhatWasOpened) {
  ASSERT_EQ(cluster_->Shoal("mount node-a:/dev/random /dev/random-a --on node-b").exit_code, 0);
  uint64_t holder = cluster_->StartOn("node-b", kDevread + " /dev/random-a 4 --hold");
  ASSERT_NE(holder, 0u);
  ASSERT_TRUE(
      WaitUntil([&] { return cluster_->Logs(holder).find("read 4 bytes") != std::string::npos; }));
  EXPECT_TRUE(WaitUntil([&] {
    return cluster_->Shoal("devices --node node-b").output.find("remote  1") != std::string::npos;
  }));
  Ran u = cluster_->Shoal("umount /dev/random-a --on node-b");
  ASSERT_EQ(u.exit_code, 0) << u.output;
  // The held device reads as peer closed: the process ends by itself.
  Ran waited = cluster_->Shoal("wait --timeout 20 " + std::to_string(holder));
  EXPECT_EQ(waited.exit_code, 0) << waited.output << cluster_->Logs(holder);
  EXPECT_NE(cluster_->Logs(holder).find("is peer closed; a read answers -19"), std::string::npos)
      << cluster_->Logs(holder);
  Ran later = ReadOnB("/dev/random-a");
  EXPECT_EQ(later.exit_code, 2) << later.output;
  EXPECT_NE(later.output.find("cannot open /dev/random-a: -9"), std::string::npos) << later.output;
  Ran again = cluster_->Shoal("umount /dev/random-a --on node-b");
  EXPECT_EQ(again.exit_code, 79) << again.output;
}

TEST_F(MountClusterTest, AMountSurvivesTheRestartOfEitherNode) {
  ASSERT_EQ(cluster_->Shoal("mount node-a:/dev/random /dev/random-a --on node-b").exit_code, 0);
  ASSERT_EQ(ReadOnB("/dev/random-a").exit_code, 0);

  // node-a goes: opens fail fast (peer gone), then work again, unmounted
  // never.
  cluster_->Kill9(0);
  Ran down = cluster_->ShoalAt(1, "run --on node-b --follow " + kDevread + " /dev/random-a");
  EXPECT_EQ(down.exit_code, 2) << down.output;
  EXPECT_NE(down.output.find("cannot open /dev/random-a: -19"), std::string::npos) << down.output;
  cluster_->Start(0);
  ASSERT_TRUE(cluster_->WaitAllUp());
  EXPECT_TRUE(ReadsAgain("/dev/random-a")) << ReadOnB("/dev/random-a").output;

  // node-b restarts: its mount is bound again from its data dir.
  cluster_->Kill9(1);
  cluster_->Start(1);
  ASSERT_TRUE(cluster_->WaitAllUp());
  EXPECT_TRUE(ReadsAgain("/dev/random-a")) << ReadOnB("/dev/random-a").output;
  Ran list = cluster_->Shoal("devices --node node-b");
  EXPECT_NE(list.output.find("node-a:/dev/random"), std::string::npos) << list.output;
}

}  // namespace
}  // namespace shoal::testing
