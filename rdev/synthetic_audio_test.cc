#include "rdev/synthetic_audio.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "kernel/object/object_test_support.h"
#include "rdev/audio_test_support.h"

namespace shoal::rdev {
namespace {

using audio_test::ReadWav;
using audio_test::ToneFrames;
using audio_test::Wav;
using kernel::Signals;
using std::chrono::steady_clock;

constexpr AudioConfig kStereo{SampleFormat::kS16, 48000, 2, 240, 64};

Ref<AudioOps> Open(LocalAudioDevice& device) {
  Result<Ref<AudioOps>> session = device.OpenSession();
  EXPECT_TRUE(session.ok()) << session.error().message;
  return session.ok() ? *session : nullptr;
}

// The next Read of a started source, waiting (at most 10 s per wait, at most
// 100 waits: bounds against hangs) while the ring is empty.
Result<AudioRead> NextRead(AudioOps& source, size_t max_bytes) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    Result<AudioRead> read = source.Read(max_bytes);
    if (read.ok() || read.error().status != Status::kShouldWait) return read;
    if (kernel::testing::WaitForSignals(source, Signals::kReadable | Signals::kPeerClosed) ==
        Signals::kNone) {
      break;
    }
  }
  return MakeError(Status::kShouldWait, "no frames within the bound");
}

// Polls `done` every 5 ms for at most 10 s.
template <typename Predicate>
bool WaitUntil(Predicate done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// Reads `frames` frames from a started tone source, checking every sample
// against the tone where the stream says it is (`lost` frames skip ahead).
// Returns the frames lost on the way.
uint64_t ReadExactTone(AudioOps& source, const AudioConfig& config, uint64_t frames,
                       uint32_t hz = kDefaultToneHz) {
  size_t frame = FrameBytes(config);
  uint64_t n = 0, lost = 0;
  while (n < frames + lost) {
    Result<AudioRead> read = NextRead(source, 4800 * frame);
    EXPECT_TRUE(read.ok()) << read.error().message;
    if (!read.ok()) break;
    n += read->lost;
    lost += read->lost;
    EXPECT_EQ(read->bytes, ToneFrames(n, read->bytes.size() / frame, config, hz)) << "at " << n;
    if (read->bytes != ToneFrames(n, read->bytes.size() / frame, config, hz)) break;
    n += read->bytes.size() / frame;
  }
  return lost;
}

TEST(ToneSourceTest, InfoSaysWhatItIs) {
  auto tone = CreateToneSource();
  Result<AudioInfo> info = tone->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->name, "Synthetic tone");
  EXPECT_EQ(info->driver, "synthetic");
  EXPECT_EQ(info->direction, AudioDirection::kCapture);
  EXPECT_EQ(info->config, AudioConfig{});
  EXPECT_EQ(info->rates, SyntheticAudioRates());
}

TEST(ToneSourceTest, ToneSamplesArePureAndAtHalfScale) {
  EXPECT_EQ(ToneSample(0, 440, 48000, SampleFormat::kS16), (std::vector<uint8_t>{0, 0}));
  // A quarter period of 12 kHz at 48 kHz is the crest: 0.5 * 32767, rounded.
  std::vector<uint8_t> crest = ToneSample(1, 12000, 48000, SampleFormat::kS16);
  EXPECT_EQ(int16_t(crest[0] | crest[1] << 8), 16384);
  std::vector<uint8_t> f = ToneSample(1, 12000, 48000, SampleFormat::kF32);
  float value = 0;
  std::memcpy(&value, f.data(), 4);
  EXPECT_FLOAT_EQ(value, 0.5f);
  // The same n a whole number of periods later gives the same bytes.
  EXPECT_EQ(ToneSample(7, 440, 48000, SampleFormat::kS16),
            ToneSample(7 + 48000 * 1000, 440, 48000, SampleFormat::kS16));
}

TEST(ToneSourceTest, ParsesItsFrequency) {
  EXPECT_EQ(*ParseToneHz(""), 440u);
  EXPECT_EQ(*ParseToneHz("1000"), 1000u);
  for (const char* bad : {"0", "20001", "1k", "-5"}) {
    EXPECT_EQ(ParseToneHz(bad).error().status, Status::kInvalidArgs) << bad;
  }
}

TEST(ToneSourceTest, CapturesTheExactToneAtTheConfiguredRate) {
  auto tone = CreateToneSource(1000);
  Ref<AudioOps> source = Open(*tone);
  ASSERT_TRUE(source->Configure(kStereo).ok());
  ASSERT_TRUE(source->Start().ok());
  auto started = steady_clock::now();
  // 0.5 s of audio; bounds wide enough for a loaded machine, tight enough to
  // tell a paced clock from a free-running one.
  uint64_t lost = ReadExactTone(*source, kStereo, 24000, 1000);
  double seconds = std::chrono::duration<double>(steady_clock::now() - started).count();
  EXPECT_GE(seconds, 0.25);
  EXPECT_LE(seconds, 5.0);
  Result<AudioStatus> status = source->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->started);
  EXPECT_EQ(status->frames_lost, lost);
  EXPECT_GE(status->frames, 24000u);
  EXPECT_GE(status->latency_ns, 5'000'000u);  // At least the period.
}

TEST(ToneSourceTest, ASlowReaderGetsXrunsAndLostFramesThatAddUp) {
  constexpr AudioConfig kSmallRing{SampleFormat::kS16, 48000, 1, 240, 2};
  auto tone = CreateToneSource();
  Ref<AudioOps> source = Open(*tone);
  ASSERT_TRUE(source->Configure(kSmallRing).ok());
  ASSERT_TRUE(source->Start().ok());
  // Three times the ring captured before anything is read.
  ASSERT_TRUE(WaitUntil([&] { return source->Status()->frames >= 240 * 6; }));
  uint64_t read_frames = 0, lost = 0;
  Result<AudioRead> read = source->Read(AudioOps::kMaxTransfer);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_GT(read->lost, 0u);
  lost += read->lost;
  read_frames += read->bytes.size() / 2;
  // What was read is the tone right after what was lost.
  EXPECT_EQ(read->bytes, ToneFrames(read->lost, read->bytes.size() / 2, kSmallRing));
  Result<AudioStatus> status = source->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_GE(status->xruns, 1u);
  EXPECT_GE(status->frames_lost, lost);
  // Every frame captured was read, lost or is queued.
  EXPECT_EQ(status->frames, read_frames + status->frames_lost + status->queued_frames);
}

TEST(ToneSourceTest, OneHandleStreamsAtATime) {
  auto tone = CreateToneSource();
  Ref<AudioOps> a = Open(*tone), b = Open(*tone);
  ASSERT_TRUE(a->Start().ok());
  EXPECT_TRUE(a->Start().ok());  // Again: nothing to do.
  EXPECT_EQ(b->Start().error().status, Status::kBadState);
  EXPECT_TRUE(b->Status()->busy);
  EXPECT_FALSE(b->Status()->started);
  EXPECT_EQ(b->Read(4096).error().status, Status::kBadState);
  EXPECT_EQ(b->Configure({SampleFormat::kF32, 48000, 2, 240, 4}).error().status, Status::kBadState);
  EXPECT_TRUE(b->Stop().ok());  // b's own stream is stopped already.
  EXPECT_TRUE(a->Status()->started);
  a.reset();  // Closing the streaming handle stops its stream.
  EXPECT_TRUE(b->Start().ok());
}

TEST(ToneSourceTest, RefusesWhatItCannotDo) {
  auto tone = CreateToneSource();
  Ref<AudioOps> source = Open(*tone);
  EXPECT_EQ(source->Read(4096).error().status, Status::kBadState);
  EXPECT_EQ(source->Configure({SampleFormat::kS16, 22050, 2, 240, 4}).error().status,
            Status::kInvalidArgs);
  EXPECT_EQ(source->Configure({SampleFormat::kS16, 48000, 2, 240, 65}).error().status,
            Status::kInvalidArgs);
  EXPECT_EQ(source->Write(std::vector<uint8_t>(4)).error().status, Status::kWrongType);
  EXPECT_EQ(source->Drain().error().status, Status::kWrongType);
  ASSERT_TRUE(source->Start().ok());
  EXPECT_EQ(source->Read(3).error().status, Status::kInvalidArgs);  // Less than a frame.
}

TEST(ToneSourceTest, UnplugWakesAReaderWithPeerClosed) {
  auto tone = CreateToneSource();
  Ref<AudioOps> source = Open(*tone);
  ASSERT_TRUE(source->Start().ok());
  std::thread unplug([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    tone->Unplug();
  });
  // Reads until the unplug ends the stream (bounded by NextRead's waits).
  Result<AudioRead> read = NextRead(*source, 64);
  for (int i = 0; i < 100000 && read.ok(); ++i) read = NextRead(*source, 64);
  unplug.join();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().status, Status::kPeerClosed);
  EXPECT_EQ(source->signals() & Signals::kPeerClosed, Signals::kPeerClosed);
  EXPECT_EQ(tone->OpenSession().error().status, Status::kPeerClosed);
  EXPECT_EQ(source->Status().error().status, Status::kPeerClosed);
  tone->Unplug();  // Idempotent.
}

class WavSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/shoal-wav-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/out.wav";
    Result<std::shared_ptr<LocalAudioDevice>> sink = CreateWavSink(path_);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    sink_ = *sink;
  }
  void TearDown() override {
    sink_.reset();
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  std::string dir_, path_;
  std::shared_ptr<LocalAudioDevice> sink_;
};

TEST_F(WavSinkTest, PlaysExactlyTheSamplesWrittenIntoAWavThatParsesBack) {
  for (AudioConfig config : {AudioConfig{SampleFormat::kS16, 48000, 2, 240, 8},
                             AudioConfig{SampleFormat::kF32, 44100, 1, 256, 8}}) {
    Ref<AudioOps> out = Open(*sink_);
    ASSERT_TRUE(out->Configure(config).ok());
    ASSERT_TRUE(out->Start().ok());
    EXPECT_EQ(out->signals() & Signals::kWritable, Signals::kWritable);
    std::vector<uint8_t> written = ToneFrames(0, config.period_frames * 4, config, 3000);
    // One Write of whole periods: the clock, which starts with it, cannot run short.
    Result<size_t> frames = out->Write(written);
    ASSERT_TRUE(frames.ok()) << frames.error().message;
    EXPECT_EQ(*frames, config.period_frames * 4);
    ASSERT_TRUE(out->Drain().ok());
    Result<AudioStatus> status = out->Status();
    EXPECT_EQ(status->queued_frames, 0u);
    EXPECT_EQ(status->xruns, 0u);
    EXPECT_EQ(status->frames, config.period_frames * 4);
    std::optional<Wav> wav = ReadWav(path_);
    ASSERT_TRUE(wav.has_value());
    EXPECT_EQ(wav->format_tag, config.format == SampleFormat::kF32 ? 3 : 1);
    EXPECT_EQ(wav->channels, config.channels);
    EXPECT_EQ(wav->rate, config.rate);
    EXPECT_EQ(wav->bits, SampleBytes(config.format) * 8);
    EXPECT_EQ(wav->data, written);
    ASSERT_TRUE(out->Stop().ok());
  }
}

TEST_F(WavSinkTest, AnUnderrunIsCountedAndPlaysSilence) {
  constexpr AudioConfig kMono{SampleFormat::kS16, 48000, 1, 240, 4};
  Ref<AudioOps> out = Open(*sink_);
  ASSERT_TRUE(out->Configure(kMono).ok());
  ASSERT_TRUE(out->Start().ok());
  std::vector<uint8_t> first = ToneFrames(0, 240, kMono), second = ToneFrames(240, 240, kMono);
  ASSERT_EQ(*out->Write(first), 240u);
  ASSERT_TRUE(WaitUntil([&] { return out->Status()->xruns >= 1; }));
  ASSERT_EQ(*out->Write(second), 240u);
  ASSERT_TRUE(out->Drain().ok());
  uint64_t xruns = out->Status()->xruns;
  ASSERT_TRUE(out->Stop().ok());
  std::optional<Wav> wav = ReadWav(path_);
  ASSERT_TRUE(wav.has_value());
  // The first period, a silent period per underrun, the second period.
  std::vector<uint8_t> expected = first;
  expected.resize(expected.size() + xruns * 240 * 2, 0);
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(wav->data, expected);
}

TEST_F(WavSinkTest, AFullRingMakesWritesWaitAndDrainPlaysItOut) {
  constexpr AudioConfig kTiny{SampleFormat::kS16, 8000, 1, 16, 2};
  Ref<AudioOps> out = Open(*sink_);
  EXPECT_EQ(out->Write(std::vector<uint8_t>(2)).error().status, Status::kBadState);
  EXPECT_TRUE(out->Drain().ok());  // Nothing written: drained at once.
  ASSERT_TRUE(out->Configure(kTiny).ok());
  ASSERT_TRUE(out->Start().ok());
  EXPECT_EQ(out->Write(std::vector<uint8_t>(3)).error().status, Status::kInvalidArgs);
  EXPECT_EQ(out->Read(64).error().status, Status::kWrongType);
  std::vector<uint8_t> all = ToneFrames(0, 400, kTiny);
  size_t offset = 0;
  bool waited = false;
  for (int i = 0; i < 10000 && offset < all.size(); ++i) {
    Result<size_t> frames = out->Write(std::span(all).subspan(offset));
    if (!frames.ok()) {
      ASSERT_EQ(frames.error().status, Status::kShouldWait);
      EXPECT_EQ(out->signals() & Signals::kWritable, Signals::kNone);
      waited = true;
      ASSERT_NE(kernel::testing::WaitForSignals(*out, Signals::kWritable), Signals::kNone);
      continue;
    }
    offset += *frames * 2;
  }
  EXPECT_TRUE(waited);
  ASSERT_EQ(offset, all.size());
  ASSERT_TRUE(out->Drain().ok());
  Result<AudioStatus> status = out->Status();
  EXPECT_EQ(status->queued_frames, 0u);
  ASSERT_TRUE(out->Stop().ok());
  std::optional<Wav> wav = ReadWav(path_);
  ASSERT_TRUE(wav.has_value());
  // Underruns (a loaded host) add silent periods; the samples keep their order.
  std::vector<uint8_t> played;
  for (size_t at = 0; at < wav->data.size(); at += 32) {
    std::vector<uint8_t> period(wav->data.begin() + at, wav->data.begin() + at + 32);
    if (period != std::vector<uint8_t>(32, 0) || at / 32 == 0) {
      played.insert(played.end(), period.begin(), period.end());
    }
  }
  EXPECT_EQ(played, all);
}

TEST_F(WavSinkTest, UnplugFailsAPendingDrainWithPeerClosed) {
  constexpr AudioConfig kSlow{SampleFormat::kS16, 8000, 1, 2000, 4};  // 1 s of ring.
  Ref<AudioOps> out = Open(*sink_);
  ASSERT_TRUE(out->Configure(kSlow).ok());
  ASSERT_TRUE(out->Start().ok());
  ASSERT_TRUE(out->Write(std::vector<uint8_t>(8000 * 2)).ok());
  std::optional<VoidResult> drained;
  std::mutex mu;
  out->DrainAsync([&](VoidResult result) {
    std::lock_guard lock(mu);
    drained = result;
  });
  sink_->Unplug();
  std::lock_guard lock(mu);
  ASSERT_TRUE(drained.has_value());
  EXPECT_EQ(drained->error().status, Status::kPeerClosed);
  EXPECT_EQ(out->Write(std::vector<uint8_t>(2)).error().status, Status::kPeerClosed);
}

TEST(WavSinkFailureTest, AFullDiskEndsTheStreamAndTheHandleHearsWhyUntilItStartsAgain) {
  // /dev/full opens and seeks like a file and fails every write with ENOSPC.
  Result<std::shared_ptr<LocalAudioDevice>> sink = CreateWavSink("/dev/full");
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  constexpr AudioConfig kMono{SampleFormat::kS16, 48000, 1, 240, 4};
  Ref<AudioOps> out = Open(**sink);
  ASSERT_TRUE(out->Configure(kMono).ok());
  ASSERT_TRUE(out->Start().ok());
  ASSERT_EQ(*out->Write(ToneFrames(0, 480, kMono)), 480u);
  VoidResult drained = out->Drain();
  ASSERT_FALSE(drained.ok());
  EXPECT_EQ(drained.error().status, Status::kIoError);
  EXPECT_EQ(drained.error().message,
            "the audio device failed: wav-sink: cannot write /dev/full: No space left on device");
  // A writer waiting for room wakes, and every call says why.
  EXPECT_EQ(out->signals() & Signals::kWritable, Signals::kWritable);
  Result<size_t> written = out->Write(ToneFrames(480, 240, kMono));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().message, drained.error().message);
  EXPECT_EQ(out->Status().error().status, Status::kIoError);
  // The device is not gone: another handle streams, and this one may Start again.
  Ref<AudioOps> other = Open(**sink);
  ASSERT_TRUE(other->Configure(kMono).ok());
  ASSERT_TRUE(other->Start().ok());
  ASSERT_TRUE(other->Stop().ok());
  EXPECT_EQ(out->Status().error().status, Status::kIoError);
  ASSERT_TRUE(out->Start().ok());
  Result<AudioStatus> restarted = out->Status();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_TRUE(restarted->started);
  ASSERT_EQ(*out->Write(ToneFrames(0, 240, kMono)), 240u);
  EXPECT_TRUE(WaitUntil([&] { return !out->Status().ok(); }));
  EXPECT_EQ(out->Status().error().status, Status::kIoError);
}

TEST_F(WavSinkTest, AMissingDirectoryIsAnIoError) {
  Result<std::shared_ptr<LocalAudioDevice>> sink = CreateWavSink(dir_ + "/no/such/out.wav");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.error().status, Status::kIoError);
  EXPECT_EQ(CreateWavSink("").error().status, Status::kInvalidArgs);
}

}  // namespace
}  // namespace shoal::rdev
