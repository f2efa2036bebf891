// The audio calls from real processes: a synthetic tone source at /dev/mic0
// and a WAV sink at /dev/audio0 in the kernel's root namespace, and the
// error codes a guest sees (testdata/audio_calls.wat).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "kernel/base/temp_dir.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "rdev/synthetic_audio.h"

namespace shoal::kernel {
namespace {

using namespace testing;  // The kernel test helpers (proc_test_support.h).

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

}  // namespace
}  // namespace shoal::kernel
