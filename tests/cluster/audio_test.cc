// Audio across a cluster with real shoald processes over TLS on 127.0.0.1,
// node-a serving a WAV sink at /dev/audio0 that writes into a file of the
// test: tone.wasm on node-b plays into it through a mount and the WAV holds
// the tone's exact samples, and a tone moved from node-a to node-b mid-stream
// keeps playing to the end, the underruns of the move counted, and every
// sample it wrote in the WAV in order (with the silence of those underruns
// between them and nothing else).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rdev/audio_test_support.h"
#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

using rdev::audio_test::ReadWav;
using rdev::audio_test::SilenceAroundToneApp;

const std::string kTone = std::string(SHOAL_APPS_DIR) + "/tone.wasm";
constexpr uint32_t kHz = 1000;

// tone's "frames=N xruns=X" line, as numbers; {0, 0} (and a failure) when
// it is not there.
struct Played {
  uint64_t frames = 0, xruns = 0;
};
Played ParsePlayed(const std::string& logs) {
  Played played;
  size_t at = logs.find("tone: frames=");
  EXPECT_NE(at, std::string::npos) << logs;
  if (at == std::string::npos) return played;
  if (std::sscanf(logs.c_str() + at, "tone: frames=%lu xruns=%lu", &played.frames, &played.xruns) !=
      2) {
    ADD_FAILURE() << logs;
  }
  return played;
}

class AudioClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(2, std::vector<std::string>{"--workers", "1"});
    // node-a alone gets the sink (every node would write the same file), so
    // it starts again with it.
    wav_ = cluster_->dir() + "/node-a-audio0.wav";
    cluster_->SetNodeFlags(0, {"--device", "/dev/audio0=wav-sink:" + wav_});
    cluster_->Kill9(0);
    cluster_->Start(0);
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  // tone's counts; fails the test unless it exited 0.
  Played Finished(uint64_t pid) {
    Ran waited = cluster_->Shoal("wait --timeout 120 " + std::to_string(pid));
    std::string logs = cluster_->Logs(pid);
    EXPECT_EQ(waited.exit_code, 0) << waited.output << logs;
    return ParsePlayed(logs);
  }

  // The silent frames around the tone's `frames` in node-a's WAV; fails the
  // test unless the WAV holds exactly them.
  int64_t CheckWav(uint64_t frames) {
    std::optional<rdev::audio_test::Wav> wav = ReadWav(wav_);
    EXPECT_TRUE(wav.has_value()) << wav_;
    if (!wav.has_value()) return -1;
    EXPECT_EQ(wav->channels, 2);
    EXPECT_EQ(wav->rate, 48000u);
    EXPECT_EQ(wav->bits, 16);
    uint64_t where = 0;
    int64_t silent = SilenceAroundToneApp(wav->data, frames, kHz, &where);
    EXPECT_GE(silent, 0) << "the WAV departs from the tone at frame " << where;
    return silent;
  }

  std::unique_ptr<TestCluster> cluster_;
  std::string wav_;
};

TEST_F(AudioClusterTest, AToneOnNodeBPlaysIntoNodeAsWavThroughAMount) {
  Ran mounted = cluster_->Shoal("mount node-a:/dev/audio0 /dev/audio1 --on node-b");
  ASSERT_EQ(mounted.exit_code, 0) << mounted.output;
  uint64_t pid = cluster_->StartOn("node-b", kTone + " /dev/audio1 1 " + std::to_string(kHz));
  ASSERT_NE(pid, 0u);
  Played played = Finished(pid);
  EXPECT_EQ(played.frames, 48000u);
  int64_t silent = CheckWav(played.frames);
  // Silence is there only as far as underruns were counted.
  EXPECT_EQ(silent > 0, played.xruns > 0) << silent << " silent, " << played.xruns << " xruns";
}

TEST_F(AudioClusterTest, ATonePlayerMovedOffTheSinksNodeKeepsPlaying) {
  uint64_t pid = cluster_->StartOn("node-a", kTone + " /dev/audio0 4 " + std::to_string(kHz));
  ASSERT_NE(pid, 0u);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  Ran moved = cluster_->Shoal("migrate " + std::to_string(pid) + " --to node-b");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  Played played = Finished(pid);
  EXPECT_EQ(played.frames, 4u * 48000);
  // Every sample reached node-a's WAV in order across the move. A pre-copy
  // freeze is usually shorter than the 20 ms ring, so the sink may or may not
  // have run dry; whatever silence it played was counted and reported.
  int64_t silent = CheckWav(played.frames);
  EXPECT_EQ(silent > 0, played.xruns > 0) << silent << " silent, " << played.xruns << " xruns";
}

}  // namespace
}  // namespace shoal::testing
