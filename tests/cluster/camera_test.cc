// Cameras across a cluster with real shoald processes over TLS on
// 127.0.0.1, every node serving a synthetic camera at /dev/video0: node-a's
// camera mounted on node-b streams to camstat there with no gap, and a
// camstat reading node-a's camera keeps reading, with no frame lost, after
// it is moved to node-b (its session stays on node-a behind a proxy); and
// a camstat reading node-a's camera through a mount on node-b, moved on to
// node-c, is told of every frame the move cost (the frames node-b's proxy
// had fetched count as dropped).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

const std::string kCamstat = std::string(SHOAL_APPS_DIR) + "/camstat.wasm";
// 15 fps: a session queues 4 frames, so a move's freeze may take up to
// 267 ms on a loaded machine before a frame is lost.
const std::string kMode = "'yuyv 320x240 15/1'";

class CameraClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(2); }

  // camstat's summary line; fails the test unless it exited 0.
  std::string Finished(uint64_t pid) {
    Ran waited = cluster_->Shoal("wait --timeout 120 " + std::to_string(pid));
    std::string logs = cluster_->Logs(pid);
    EXPECT_EQ(waited.exit_code, 0) << waited.output << logs;
    size_t summary = logs.find("camstat: summary");
    EXPECT_NE(summary, std::string::npos) << logs;
    return summary == std::string::npos ? "" : logs.substr(summary);
  }

  void Start(int nodes) {
    cluster_ = std::make_unique<TestCluster>(
        nodes,
        std::vector<std::string>{"--workers", "1", "--device", "/dev/video0=synthetic-camera"});
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  std::unique_ptr<TestCluster> cluster_;
};

class CameraClusterTest3 : public CameraClusterTest {
 protected:
  void SetUp() override { Start(3); }
};

TEST_F(CameraClusterTest, AMountedCameraStreamsToAnotherNodeWithoutAGap) {
  Ran mounted = cluster_->Shoal("mount node-a:/dev/video0 /dev/video1 --on node-b");
  ASSERT_EQ(mounted.exit_code, 0) << mounted.output;
  uint64_t pid = cluster_->StartOn("node-b", kCamstat + " /dev/video1 30 " + kMode);
  ASSERT_NE(pid, 0u);
  std::string summary = Finished(pid);
  EXPECT_NE(summary.find("frames=30 lost=0 bad_stamps=0"), std::string::npos) << summary;
  // It read node-a's camera: node-a counted the frames.
  Ran devices = cluster_->Shoal("devices --node node-a -o json");
  EXPECT_EQ(devices.exit_code, 0) << devices.output;
  EXPECT_NE(devices.output.find("/dev/video0"), std::string::npos) << devices.output;
}

TEST_F(CameraClusterTest, ACameraReaderMovedOffTheCamerasNodeLosesNoFrame) {
  // About 6 s of frames; it moves after the first second.
  uint64_t pid = cluster_->StartOn("node-a", kCamstat + " /dev/video0 90 " + kMode);
  ASSERT_NE(pid, 0u);
  ASSERT_TRUE(WaitUntil([&] { return cluster_->Logs(pid).find("camstat: /dev/video0 mode") !=
                                     std::string::npos; }));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  Ran moved = cluster_->Shoal("migrate " + std::to_string(pid) + " --to node-b");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  std::string summary = Finished(pid);
  EXPECT_NE(summary.find("frames=90 lost=0 bad_stamps=0"), std::string::npos)
      << summary << cluster_->Logs(pid);
}

TEST_F(CameraClusterTest3, AMountReaderMovedOnIsToldOfEveryFrameTheMoveCost) {
  Ran mounted = cluster_->Shoal("mount node-a:/dev/video0 /dev/video1 --on node-b");
  ASSERT_EQ(mounted.exit_code, 0) << mounted.output;
  // 30 fps, so frames are on their way to node-b's proxy when it freezes.
  uint64_t pid = cluster_->StartOn("node-b", kCamstat + " /dev/video1 120 'yuyv 320x240 30/1'");
  ASSERT_NE(pid, 0u);
  ASSERT_TRUE(WaitUntil(
      [&] { return cluster_->Logs(pid).find("camstat: /dev/video1 mode") != std::string::npos; }));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  Ran moved = cluster_->Shoal("migrate " + std::to_string(pid) + " --to node-c");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  Ran waited = cluster_->Shoal("wait --timeout 120 " + std::to_string(pid));
  std::string logs = cluster_->Logs(pid);
  size_t at = logs.find("camstat: summary");
  ASSERT_NE(at, std::string::npos) << logs;
  std::string summary = logs.substr(at);
  // Frames the move lost (exit 1) are fine; frames lost unannounced are not.
  EXPECT_NE(summary.find("frames=120 "), std::string::npos) << summary;
  EXPECT_NE(summary.find(" unreported=0"), std::string::npos) << logs;
  EXPECT_NE(summary.find(" bad_stamps=0 "), std::string::npos) << summary;
  bool lost_none = summary.find(" lost=0 ") != std::string::npos;
  EXPECT_EQ(waited.exit_code, lost_none ? 0 : 1) << waited.output << logs;
  Ran ps = cluster_->Shoal("ps -o json");
  EXPECT_NE(ps.output.find("node-c"), std::string::npos) << ps.output;
}

}  // namespace
}  // namespace shoal::testing
