// Checkpoint and restore from the CLI, with real shoald processes: a
// running game of life written to an image file on one node and restored on
// another prints exactly what an uninterrupted run prints, under its own
// pid once the original is gone; a damaged image is refused with a precise
// error; what an image file cannot carry is refused before anything stops.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

const std::string kApps = SHOAL_APPS_DIR;
// About a second of CPU on the 2-core development machine: a checkpoint
// taken after its first line finds it running.
const std::string kLife = kApps + "/life.wasm 10000 200 48";

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(2, std::vector<std::string>{"--workers", "1"});
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  uint64_t Start(const std::string& node, const std::string& what) {
    return cluster_->StartOn(node, what);
  }
  std::string Logs(uint64_t pid) { return cluster_->Logs(pid); }

  // The pid `shoal restore` printed (0 on failure).
  static uint64_t RestoredPid(const Ran& r) {
    size_t at = r.output.find(" as ");
    return at == std::string::npos ? 0 : std::stoull(r.output.substr(at + 4));
  }

  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(CheckpointTest, AProcessStoppedHereAndRestoredThereFinishesAsIfUninterrupted) {
  uint64_t reference = Start("node-b", kLife);
  ASSERT_EQ(cluster_->Shoal("wait --timeout 60 " + std::to_string(reference)).exit_code, 0);
  const std::string expected = Logs(reference);
  ASSERT_NE(expected.find("gen 10000 "), std::string::npos) << expected;

  uint64_t pid = Start("node-a", kLife);
  ASSERT_NE(pid, 0u);
  ASSERT_TRUE(WaitUntil([&] { return Logs(pid).find("gen 200 ") != std::string::npos; }));
  const std::string image = cluster_->dir() + "/life.img";
  Ran checkpoint =
      cluster_->Shoal("checkpoint " + std::to_string(pid) + " --file " + image + " --stop");
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.output;
  EXPECT_NE(checkpoint.output.find("; it is stopped"), std::string::npos) << checkpoint.output;
  EXPECT_FALSE(ReadFile(image).empty());
  EXPECT_TRUE(ReadFile(image + ".partial").empty());  // Renamed into place.
  Ran stopped = cluster_->Shoal("wait --timeout 30 " + std::to_string(pid));
  EXPECT_NE(stopped.output.find("killed"), std::string::npos) << stopped.output;
  const std::string before = Logs(pid);
  EXPECT_EQ(expected.compare(0, before.size(), before), 0) << before;

  // The original is gone, so the restored process keeps its pid, on node-b.
  Ran restore = cluster_->Shoal("restore " + image + " --on node-b");
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  EXPECT_EQ(RestoredPid(restore), pid) << restore.output;
  EXPECT_NE(restore.output.find("on node-b"), std::string::npos) << restore.output;
  // Node-a learns from heartbeats where the pid runs now.
  Ran wait;
  ASSERT_TRUE(WaitUntil([&] {
    wait = cluster_->Shoal("wait --timeout 60 " + std::to_string(pid));
    return wait.output.find("on node-b") != std::string::npos;
  })) << wait.output;
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  // Its log continues at the offsets it had: the whole run's output.
  EXPECT_EQ(Logs(pid), expected);
}

TEST_F(CheckpointTest, ACheckpointOfARunningProcessLeavesItRunningAndRestoresAsATwin) {
  // Long enough to be running still when its twin is restored: only a
  // running process keeps its pid from the twin.
  uint64_t pid = Start("node-a", kApps + "/life.wasm 60000 3000 24");
  ASSERT_NE(pid, 0u);
  const std::string image = cluster_->dir() + "/twin.img";
  Ran checkpoint = cluster_->Shoal("checkpoint " + std::to_string(pid) + " -f " + image);
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.output;
  Ran restore = cluster_->Shoal("restore " + image + " --on node-b");
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  uint64_t twin = RestoredPid(restore);
  EXPECT_NE(twin, pid) << restore.output;  // The original still runs.
  ASSERT_NE(twin, 0u);
  EXPECT_EQ(cluster_->Shoal("wait --timeout 60 " + std::to_string(pid)).exit_code, 0);
  EXPECT_EQ(cluster_->Shoal("wait --timeout 60 " + std::to_string(twin)).exit_code, 0);
  // The twin's log holds what the original had printed when the image was
  // taken (at its offsets), then what it printed itself: the same run.
  EXPECT_EQ(Logs(twin), Logs(pid));
}

// The ticker's timer and port are its alone: they go into the file by
// value, and the restored ticker waits out the rest of its tick and goes on.
TEST_F(CheckpointTest, ATimerAndPortGoIntoTheFileAndTickOnWhereItIsRestored) {
  const int kTicks = 30;
  uint64_t pid = Start("node-a", kApps + "/ticker.wasm " + std::to_string(kTicks) + " 50");
  ASSERT_NE(pid, 0u);
  ASSERT_TRUE(WaitUntil([&] { return Logs(pid).find("tick 3\n") != std::string::npos; }));
  const std::string image = cluster_->dir() + "/ticker.img";
  Ran checkpoint =
      cluster_->Shoal("checkpoint " + std::to_string(pid) + " --file " + image + " --stop");
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.output;
  ASSERT_NE(cluster_->Shoal("wait --timeout 30 " + std::to_string(pid)).exit_code, 0);
  Ran restore = cluster_->Shoal("restore " + image + " --on node-b");
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  ASSERT_EQ(RestoredPid(restore), pid) << restore.output;
  Ran wait;
  ASSERT_TRUE(WaitUntil([&] {
    wait = cluster_->Shoal("wait --timeout 60 " + std::to_string(pid));
    return wait.output.find("on node-b") != std::string::npos;
  })) << wait.output;
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  std::string expected;
  for (int i = 1; i <= kTicks; ++i) expected += "tick " + std::to_string(i) + "\n";
  expected += "ticker: " + std::to_string(kTicks) + " ticks, none early\n";
  EXPECT_EQ(Logs(pid), expected);
}

TEST_F(CheckpointTest, ADamagedImageIsRefusedWithAPreciseError) {
  uint64_t pid = Start("node-a", kLife);
  const std::string image = cluster_->dir() + "/good.img";
  ASSERT_EQ(cluster_->Shoal("checkpoint " + std::to_string(pid) + " -f " + image).exit_code, 0);
  std::string bytes = ReadFile(image);
  ASSERT_GT(bytes.size(), 100u);

  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(cluster_->dir() + "/" + name, std::ios::binary) << content;
    return cluster_->Shoal("restore " + cluster_->dir() + "/" + name + " --on node-b");
  };
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x5a;
  Ran corrupt = write("corrupt.img", flipped);
  EXPECT_EQ(corrupt.exit_code, 65) << corrupt.output;
  EXPECT_NE(corrupt.output.find("corrupt"), std::string::npos) << corrupt.output;

  Ran truncated = write("truncated.img", bytes.substr(0, bytes.size() - 1000));
  EXPECT_EQ(truncated.exit_code, 65) << truncated.output;
  EXPECT_NE(truncated.output.find("truncated"), std::string::npos) << truncated.output;

  Ran other = write("other.img", "#!/bin/sh\necho not an image\n");
  EXPECT_EQ(other.exit_code, 65) << other.output;
  EXPECT_NE(other.output.find("not a Shoal process image"), std::string::npos) << other.output;

  Ran missing = cluster_->Shoal("restore " + cluster_->dir() + "/nothing.img");
  EXPECT_EQ(missing.exit_code, 66) << missing.output;
  // Nothing was started by any of them.
  Ran ps = cluster_->Shoal("ps --node node-b -o json");
  EXPECT_EQ(ps.output.find("life.wasm"), std::string::npos) << ps.output;
}

TEST_F(CheckpointTest, WhatAnImageCannotCarryIsRefusedAndTheProcessRunsOn) {
  uint64_t pid = Start("node-a", "--dir " + kApps + " " + kLife);
  ASSERT_NE(pid, 0u);
  Ran checkpoint = cluster_->Shoal("checkpoint " + std::to_string(pid) + " -f " + cluster_->dir() +
                                   "/dir.img --stop");
  EXPECT_EQ(checkpoint.exit_code, 81) << checkpoint.output;
  // The directory stays on its node: a live object, which a file cannot hold.
  EXPECT_NE(checkpoint.output.find("(a directory) lives on this node and cannot be written to a "
                                   "file"),
            std::string::npos)
      << checkpoint.output;
  EXPECT_TRUE(ReadFile(cluster_->dir() + "/dir.img").empty());
  EXPECT_TRUE(ReadFile(cluster_->dir() + "/dir.img.partial").empty());
  Ran wait = cluster_->Shoal("wait --timeout 60 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;  // Not stopped: it ran to its end.

  Ran unknown = cluster_->Shoal("checkpoint 999999 -f " + cluster_->dir() + "/x.img");
  EXPECT_EQ(unknown.exit_code, 79) << unknown.output;
}

}  // namespace
}  // namespace shoal::testing
