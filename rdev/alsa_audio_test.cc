// The ALSA backend against libasound itself: its refusals, and streams on
// ALSA's "null" PCM (alsa-lib's null plugin, which needs no sound card: it
// takes every frame played and captures silence). A real card, snd-aloop,
// is played and recorded in a simulator guest (tests/sim,
// sim/scenarios/tone-loopback).
#include "rdev/alsa_audio.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "kernel/object/object_test_support.h"
#include "rdev/audio_test_support.h"

namespace shoal::rdev {
namespace {

using kernel::Signals;

TEST(AlsaAudioTest, AMissingPcmIsNotFound) {
  for (const char* name : {"hw:17,0", "shoal-no-such-pcm"}) {
    Result<std::shared_ptr<LocalAudioDevice>> device =
        OpenAlsaDevice(AudioDirection::kPlayback, name);
    ASSERT_FALSE(device.ok()) << name;
    EXPECT_EQ(device.error().status, Status::kNotFound) << name << ": " << device.error().message;
    EXPECT_NE(device.error().message.find(std::string("cannot open the ALSA PCM ") + name),
              std::string::npos)
        << device.error().message;
  }
}

TEST(AlsaAudioTest, TheNullPcmDescribesItselfAsAnAlsaDevice) {
  Result<std::shared_ptr<LocalAudioDevice>> device =
      OpenAlsaDevice(AudioDirection::kCapture, "null");
  ASSERT_TRUE(device.ok()) << device.error().message;
  Result<AudioInfo> info = (*device)->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->driver, "alsa");
  EXPECT_EQ(info->direction, AudioDirection::kCapture);
  EXPECT_NE(info->name.find("(null)"), std::string::npos) << info->name;
  EXPECT_EQ(info->formats, (std::vector<SampleFormat>{SampleFormat::kS16, SampleFormat::kF32}));
  EXPECT_NE(std::find(info->rates.begin(), info->rates.end(), 48000u), info->rates.end());
  EXPECT_EQ(info->config, AudioConfig{});
}

TEST(AlsaAudioTest, ATonePlayedIntoTheNullPcmDrainsWithEveryFramePlayed) {
  Result<std::shared_ptr<LocalAudioDevice>> device =
      OpenAlsaDevice(AudioDirection::kPlayback, "null");
  ASSERT_TRUE(device.ok()) << device.error().message;
  Ref<AudioOps> session = *(*device)->OpenSession();
  AudioConfig config;
  ASSERT_TRUE(session->Start().ok());
  // 100 ms of the tone, written as the ring takes it (bounded: 10 s).
  std::vector<uint8_t> tone = audio_test::ToneFrames(0, config.rate / 10, config);
  size_t written = 0;
  for (int attempt = 0; attempt < 1000 && written < tone.size(); ++attempt) {
    size_t chunk = std::min(tone.size() - written, AudioOps::kMaxTransfer);
    Result<size_t> frames = session->Write({tone.data() + written, chunk});
    if (frames.ok()) {
      written += *frames * FrameBytes(config);
      continue;
    }
    ASSERT_EQ(frames.error().status, Status::kShouldWait) << frames.error().message;
    kernel::testing::WaitForSignals(*session, Signals::kWritable | Signals::kPeerClosed);
  }
  ASSERT_EQ(written, tone.size());
  ASSERT_TRUE(session->Drain().ok());
  Result<AudioStatus> status = session->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_GE(status->frames, uint64_t(config.rate / 10));
  EXPECT_EQ(status->queued_frames, 0u);
  ASSERT_TRUE(session->Stop().ok());
}

TEST(AlsaAudioTest, CapturingFromTheNullPcmGivesSilenceAtTheDeviceRate) {
  Result<std::shared_ptr<LocalAudioDevice>> device =
      OpenAlsaDevice(AudioDirection::kCapture, "null");
  ASSERT_TRUE(device.ok()) << device.error().message;
  Ref<AudioOps> session = *(*device)->OpenSession();
  ASSERT_TRUE(session->Start().ok());
  size_t frames = 0;
  auto start = std::chrono::steady_clock::now();
  for (int attempt = 0; attempt < 1000 && frames < 4800; ++attempt) {
    Result<AudioRead> read = session->Read(AudioOps::kMaxTransfer);
    if (!read.ok()) {
      ASSERT_EQ(read.error().status, Status::kShouldWait) << read.error().message;
      kernel::testing::WaitForSignals(*session, Signals::kReadable | Signals::kPeerClosed);
      continue;
    }
    EXPECT_TRUE(
        std::all_of(read->bytes.begin(), read->bytes.end(), [](uint8_t b) { return b == 0; }));
    frames += read->bytes.size() / FrameBytes(AudioConfig{});
  }
  EXPECT_GE(frames, 4800u);
  // 100 ms of frames come no faster than the device's clock gives them.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
  ASSERT_TRUE(session->Stop().ok());
}

}  // namespace
}  // namespace shoal::rdev
