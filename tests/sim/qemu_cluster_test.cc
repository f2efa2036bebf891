// The QEMU cluster simulator end to end: sim/qemu-cluster boots three Linux
// guests under TCG (node-a with the vivid camera and snd-aloop soundcard
// loaded), the `shoal` CLI on the host reaches them through the forwarded
// admin port, sim/scenarios/migrate-around moves a printing process around
// the guests, over their private switch, and back, and
// sim/scenarios/camera-mount reads node-a's vivid camera (V4L2) on node-c,
// sim/scenarios/tone-mount plays a tone from node-c into node-a's snd-aloop
// card (ALSA) and hears it on the loopback, and sim/scenarios/partition cuts
// node-c's link and heals it.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

// A base port whose forwards base+1..base+kNodes are free: 19000-19990, below
// the cluster tests' range (20000+) and far from sim/local-cluster's (7400+).
int FreeBasePort(int nodes) {
  for (int k = 0; k < 100; ++k) {
    int base = 19000 + 10 * int((::getpid() + k) % 100);
    bool free = true;
    for (int i = 1; i <= nodes; ++i) free = free && PortFree(base + i);
    if (free) return base;
  }
  return 0;
}

class QemuClusterTest : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    char tmpl[] = "/tmp/shoal-qemu-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    base_ = FreeBasePort(kNodes);
    ASSERT_NE(base_, 0) << "no free ports in 19001-19999";
    // The simulator and the scenario use this build's binaries and apps.
    env_ = "cd " SHOAL_SOURCE_DIR " && export SHOAL_BUILD_DIR=" SHOAL_BUILD_DIR " && ";
    // Should this process die before TearDown (a ctest timeout kills it),
    // a watchdog outside it stops the guests (bounded: at most 30 min).
    Shell("setsid sh -c 'for i in $(seq 1 1800); do kill -0 " + std::to_string(::getpid()) +
          " 2>/dev/null || break; sleep 1; done; " SHOAL_SOURCE_DIR
          "/sim/qemu-cluster down --dir " +
          dir_ + "; rm -rf " + dir_ + "' >/dev/null 2>&1 </dev/null &");
  }

  void TearDown() override {
    if (dir_.empty()) return;
    Ran down = Shell(env_ + "timeout 60 sim/qemu-cluster down --dir " + dir_);
    EXPECT_EQ(down.exit_code, 0) << down.output;
    // [q]: the pattern must not match the shell that runs pgrep.
    Ran left = Shell("pgrep -f '[q]emu-system-x86_64.*" + dir_ + "/'");
    EXPECT_NE(left.exit_code, 0) << "qemu still running after down: " << left.output;
    Shell("rm -rf " + dir_);
  }

  // Runs `command` in the repository with the cluster's exports.
  Ran WithCluster(const std::string& command) {
    return Shell(env_ + ". " + dir_ + "/exports && " + command);
  }

  std::string dir_;
  std::string env_;
  int base_ = 0;
};

TEST_F(QemuClusterTest, BootsThreeGuestsMigratesAroundThemAndUsesTheirRealDevices) {
  // Internal bounds (up 300 s, scenario 180 s) stay well inside the ctest
  // TIMEOUT, so TearDown always runs.
  // Braces: Shell's own 2>&1 must not send progress into the exports.
  Ran up = Shell(
      env_ +
      "{ timeout 330 sim/qemu-cluster up --nodes 3 --mem 256M --devices --timeout 300 --dir " +
      dir_ + " --base-port " + std::to_string(base_) + " >" + dir_ + "/exports 2>" + dir_ +
      "/up.log; }");
  ASSERT_EQ(up.exit_code, 0) << up.output << ReadFile(dir_ + "/up.log");
  EXPECT_NE(ReadFile(dir_ + "/exports")
                .find("export SHOAL_ENDPOINT=127.0.0.1:" + std::to_string(base_ + 1)),
            std::string::npos)
      << ReadFile(dir_ + "/exports");

  // Every guest is up and advertises its address on the private switch, so
  // peer and data-plane traffic goes between guests.
  Ran nodes = WithCluster(SHOAL_BUILD_DIR "/bin/shoal nodes");
  ASSERT_EQ(nodes.exit_code, 0) << nodes.output;
  for (int i = 1; i <= kNodes; ++i) {
    std::string name = std::string("node-") + char('a' + i - 1);
    std::string ip = "10.88.0." + std::to_string(10 + i);
    EXPECT_NE(nodes.output.find(ip + ":7500"), std::string::npos) << nodes.output;
    EXPECT_NE(nodes.output.find(name), std::string::npos) << nodes.output;
  }
  size_t up_rows = 0;
  for (size_t at = 0; (at = nodes.output.find("  up  ", at)) != std::string::npos; ++at) ++up_rows;
  EXPECT_EQ(up_rows, size_t(kNodes)) << nodes.output;

  // node-a's kernel probed the real drivers: a vivid capture device and the
  // snd-aloop card.
  Ran status = Shell(env_ + "sim/qemu-cluster status --dir " + dir_);
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("node-a pid "), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("camera /dev/video0 (vivid-000-vid-cap)"), std::string::npos)
      << status.output;
  EXPECT_NE(status.output.find("/dev/snd/pcmC0D0p"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("(Loopback)"), std::string::npos) << status.output;
  size_t running = 0;
  for (size_t at = 0; (at = status.output.find(" running address ", at)) != std::string::npos;
       ++at) {
    ++running;
  }
  EXPECT_EQ(running, size_t(kNodes)) << status.output;

  Ran scenario = WithCluster("timeout 180 sim/scenarios/migrate-around --timeout 60");
  EXPECT_EQ(scenario.exit_code, 0) << scenario.output;
  EXPECT_NE(scenario.output.find("moved to node-c"), std::string::npos) << scenario.output;
  EXPECT_NE(scenario.output.find("no line lost or repeated"), std::string::npos) << scenario.output;
  EXPECT_NE(scenario.output.find("PASS migrate-around"), std::string::npos) << scenario.output;

  // node-a's shoald serves the guest kernel's vivid driver through the V4L2
  // backend; node-c mounts it and reads its frames over the private switch.
  Ran devices = WithCluster(SHOAL_BUILD_DIR "/bin/shoal devices --node node-a");
  ASSERT_EQ(devices.exit_code, 0) << devices.output;
  EXPECT_TRUE(std::regex_search(devices.output, std::regex("/dev/video0 +camera +v4l2")))
      << devices.output;

  Ran camera = WithCluster(
      "timeout 180 sim/scenarios/camera-mount --frames 60 --mode 'yuyv 320x180 30/1' --timeout 90");
  EXPECT_EQ(camera.exit_code, 0) << camera.output;
  EXPECT_NE(camera.output.find("mode yuyv 320x180 30/1, driver v4l2"), std::string::npos)
      << camera.output;
  EXPECT_NE(
      camera.output.find("read 60 frames of node-a's v4l2 camera on node-c: in order, none lost"),
      std::string::npos)
      << camera.output;
  EXPECT_NE(camera.output.find("PASS camera-mount"), std::string::npos) << camera.output;

  // node-a's snd-aloop card through the ALSA backend: node-c plays a tone
  // into node-a's /dev/audio0 while node-a records its loopback, /dev/mic0.
  Ran tone = WithCluster("timeout 180 sim/scenarios/tone-mount --seconds 3 --hz 1000 --timeout 90");
  EXPECT_EQ(tone.exit_code, 0) << tone.output;
  EXPECT_NE(tone.output.find("node-a:/dev/audio0 is a speaker, driver alsa"), std::string::npos)
      << tone.output;
  EXPECT_NE(
      tone.output.find("played 3 s of 1000 Hz from node-c into node-a:/dev/audio0: 144000 frames"),
      std::string::npos)
      << tone.output;
  EXPECT_NE(tone.output.find("node-a recorded the tone from its loopback: "), std::string::npos)
      << tone.output;
  EXPECT_NE(tone.output.find("PASS tone-mount"), std::string::npos) << tone.output;

  // node-c's private link goes down until it is declared dead, then comes
  // back: membership, the process directory and the events converge.
  Ran partition = WithCluster(
      "timeout 240 sim/scenarios/partition --timeout 90 --link "
      "'sim/qemu-cluster link --dir " +
      dir_ + "'");
  EXPECT_EQ(partition.exit_code, 0) << partition.output;
  EXPECT_NE(partition.output.find("is listed once, running on node-c"), std::string::npos)
      << partition.output;
  EXPECT_NE(partition.output.find("events: node-c dead, pid"), std::string::npos)
      << partition.output;
  EXPECT_NE(partition.output.find("PASS partition"), std::string::npos) << partition.output;
}

}  // namespace
}  // namespace shoal::testing
