#include "rdev/audio.h"

#include <gtest/gtest.h>

#include "rdev/audio_ring.h"

namespace shoal::rdev {
namespace {

TEST(AudioConfigTest, SampleFormatNamesRoundTrip) {
  for (uint8_t value = 1; value <= kMaxSampleFormat; ++value) {
    auto format = SampleFormat(value);
    EXPECT_EQ(ParseSampleFormat(SampleFormatName(format)), format);
  }
  EXPECT_EQ(SampleFormatName(SampleFormat(9)), "unknown");
  EXPECT_EQ(ParseSampleFormat("s24"), std::nullopt);
}

TEST(AudioConfigTest, FrameBytesAreSampleBytesTimesChannels) {
  EXPECT_EQ(FrameBytes(AudioConfig{}), 4u);
  EXPECT_EQ(FrameBytes({SampleFormat::kF32, 44100, 6, 256, 3}), 24u);
}

TEST(AudioConfigTest, ConfigsRoundTripThroughText) {
  AudioConfig config;
  EXPECT_EQ(FormatAudioConfig(config), "s16 48000x2 period 240x4");
  for (AudioConfig c : {AudioConfig{}, AudioConfig{SampleFormat::kF32, 8000, 1, 16, 2},
                        AudioConfig{SampleFormat::kS16, 192000, 8, 8192, 64}}) {
    Result<AudioConfig> back = ParseAudioConfig(FormatAudioConfig(c));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, c);
  }
}

TEST(AudioConfigTest, MalformedOrOutOfRangeConfigsSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (Case c : {Case{"", "no sample format"}, Case{"u8 48000x2 period 240x4", "unknown sample"},
                 Case{"s16 48000 period 240x4", "not RATExCHANNELS"},
                 Case{"s16 48000x2 240x4", "no \"period\""},
                 Case{"s16 48000x2 period 240", "not FRAMESxPERIODS"},
                 Case{"s16 48k00x2 period 240x4", "the rate \"48k00\""},
                 Case{"s16 48000x-2 period 240x4", "channel count"},
                 Case{"s16 48000x9 period 240x4", "channels must be 1..8"},
                 Case{"s16 4000x2 period 240x4", "rate must be"},
                 Case{"s16 48000x2 period 8x4", "period must be"},
                 Case{"s16 48000x2 period 240x1", "ring must hold"},
                 Case{"s16 48000x2 period 240x4 ", "period count"}}) {
    Result<AudioConfig> parsed = ParseAudioConfig(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error().status, Status::kInvalidArgs) << c.text;
    EXPECT_NE(parsed.error().message.find(c.why), std::string::npos)
        << c.text << ": " << parsed.error().message;
  }
}

std::vector<uint8_t> Frames(uint8_t first, size_t count, size_t frame_bytes) {
  std::vector<uint8_t> bytes(count * frame_bytes);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(first + i / frame_bytes);
  return bytes;
}

TEST(AudioRingTest, PushTakesWhatFitsAndPopReturnsItInOrderAcrossTheWrap) {
  AudioRing ring;
  ring.Reset(2, 4);
  EXPECT_EQ(ring.Push(Frames(0, 3, 2)), 3u);
  std::vector<uint8_t> out(4);
  EXPECT_EQ(ring.Pop(out), 2u);
  EXPECT_EQ(out, Frames(0, 2, 2));
  EXPECT_EQ(ring.Push(Frames(3, 5, 2)), 3u);  // Wraps; two frames do not fit.
  EXPECT_EQ(ring.room(), 0u);
  out.resize(8);
  EXPECT_EQ(ring.Pop(out), 4u);
  std::vector<uint8_t> expected = Frames(2, 1, 2);
  for (uint8_t b : Frames(3, 3, 2)) expected.push_back(b);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(ring.size(), 0u);
}

TEST(AudioRingTest, PushOverwritingDropsTheOldestAndCountsThem) {
  AudioRing ring;
  ring.Reset(1, 4);
  EXPECT_EQ(ring.PushOverwriting(Frames(0, 3, 1)), 0u);
  EXPECT_EQ(ring.PushOverwriting(Frames(3, 3, 1)), 2u);
  std::vector<uint8_t> out(4);
  EXPECT_EQ(ring.Pop(out), 4u);
  EXPECT_EQ(out, Frames(2, 4, 1));
  EXPECT_EQ(ring.PushOverwriting(Frames(0, 2, 1)), 0u);
  EXPECT_EQ(ring.PushOverwriting(Frames(10, 6, 1)), 4u);  // More than the ring: the newest stay.
  EXPECT_EQ(ring.Pop(out), 4u);
  EXPECT_EQ(out, Frames(12, 4, 1));
}

}  // namespace
}  // namespace shoal::rdev
