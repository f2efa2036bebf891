// The audio calls from real processes: a synthetic tone source at /dev/mic0
// and a WAV sink at /dev/audio0 in the kernel's root namespace, and the
// error codes a guest sees (testdata/audio_calls.wat).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "kernel/base/temp_dir.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "rdev/audio_test_support.h"
#include "rdev/synthetic_audio.h"

namespace shoal::kernel {
namespace {

using namespace testing;  // The kernel test helpers (proc_test_support.h).
using rdev::audio_test::ToneAppSample;

class AudioCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::shared_ptr<rdev::LocalAudioDevice>> sink = rdev::CreateWavSink(wav_path_);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    sink_ = *sink;
    kernel_ = OneWorkerKernel();
    ASSERT_TRUE(kernel_->root_namespace().Bind("/dev/mic0", tone_->provider()).ok());
    ASSERT_TRUE(kernel_->root_namespace().Bind("/dev/audio0", sink_->provider()).ok());
  }

  shoal::testing::TempDir dir_;
  std::string wav_path_ = dir_.Join("sink.wav");
  std::shared_ptr<rdev::LocalAudioDevice> tone_ = rdev::CreateToneSource();
  std::shared_ptr<rdev::LocalAudioDevice> sink_;
  std::unique_ptr<Kernel> kernel_;
};

std::string FileText(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

int16_t SampleAt(const std::string& wav, size_t index) {
  return int16_t(uint8_t(wav[44 + 2 * index]) | uint8_t(wav[45 + 2 * index]) << 8);
}

TEST_F(AudioCallsTest, GuestSeesBadStateRightsAndWritesExactSamples) {
  Spawned spawned = SpawnWithOutput(*kernel_, RequestFor("audio_calls"));
  ASSERT_NE(spawned.out, nullptr);
  // A non-zero code names the check of audio_calls.wat that failed.
  EXPECT_EQ(WaitCode(*kernel_, spawned.pid), 0);
  // The process's handles closed with it, which stopped its streams.
  EXPECT_EQ(tone_->sessions(), 0u);
  EXPECT_EQ(sink_->sessions(), 0u);
  // The WAV holds the ramp the guest wrote, sample i = 7 * i, after its header.
  std::ifstream file(wav_path_, std::ios::binary);
  std::string wav{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  ASSERT_EQ(wav.size(), 44u + 960 * 2);
  for (size_t i = 0; i < 960; ++i) {
    uint16_t sample = uint8_t(wav[44 + 2 * i]) | uint8_t(wav[45 + 2 * i]) << 8;
    ASSERT_EQ(sample, uint16_t(7 * i)) << i;
  }
}

TEST_F(AudioCallsTest, ToneIntoAWavSinkWritesTheSineItComputes) {
  Spawned spawned = SpawnWithOutput(*kernel_, AppRequest("tone", {"/dev/audio0", "1", "1000"}));
  ASSERT_NE(spawned.out, nullptr);
  int code = WaitCode(*kernel_, spawned.pid);
  std::string out = TextOf(spawned.out);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("tone: frames=48000 xruns="), std::string::npos) << out;
  std::string wav = FileText(wav_path_);
  ASSERT_GE(wav.size(), 44u + 48000 * 4);
  // Underruns on a loaded host may put silent periods in; the first second
  // of playback starts with the tone (the sink's clock starts at the first
  // write), so the first period is exact on both channels.
  for (size_t n = 0; n < 240; ++n) {
    ASSERT_EQ(SampleAt(wav, 2 * n), ToneAppSample(n, 1000)) << n;
    ASSERT_EQ(SampleAt(wav, 2 * n + 1), ToneAppSample(n, 1000)) << n;
  }
}

TEST_F(AudioCallsTest, RecordCapturesTheExactToneSamples) {
  SpawnRequest request = AppRequest("record", {"/dev/mic0", "1", "/out/take.wav"});
  request.preopens.push_back(wasi::Preopen{dir_.path(), "/out", {}});
  Spawned spawned = SpawnWithOutput(*kernel_, std::move(request));
  ASSERT_NE(spawned.out, nullptr);
  int code = WaitCode(*kernel_, spawned.pid);
  std::string out = TextOf(spawned.out);
  // record's ring holds 320 ms, which the reads keep well clear of; a lost
  // frame would make it exit 5.
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("record: frames=48000 xruns=0 lost=0 peak="), std::string::npos) << out;
  // It hears the source's tone, counting its zero crossings.
  EXPECT_NE(out.find(" tone_hz=" + std::to_string(rdev::kDefaultToneHz) + "\n"), std::string::npos)
      << out;
  std::string wav = FileText(dir_.Join("take.wav"));
  ASSERT_EQ(wav.size(), 44u + 48000 * 4);
  for (size_t n = 0; n < 48000; n += 7) {
    std::vector<uint8_t> expected =
        rdev::ToneSample(n, rdev::kDefaultToneHz, 48000, rdev::SampleFormat::kS16);
    ASSERT_EQ(uint8_t(wav[44 + 4 * n]), expected[0]) << n;
    ASSERT_EQ(uint8_t(wav[45 + 4 * n]), expected[1]) << n;
    ASSERT_EQ(uint8_t(wav[46 + 4 * n]), expected[0]) << n;
  }
}

}  // namespace
}  // namespace shoal::kernel
