// Audio across the wire, over every transport of remote::Pair, with real
// synthetic devices on side A: a tone source read through a proxy gives the
// exact samples (and counts what an overrun lost), a WAV sink written
// through a proxy holds exactly what was written, the xruns of the device
// reach the holder, the server enforces the capability's rights and its
// direction, bad configurations and calls out of order say what is wrong,
// an unplugged device and a cut connection give kPeerClosed and kPeerGone,
// never a hang, and a proxy of a session that had already started (a
// process moved off the device's node) goes on streaming it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "kernel/object/object_test_support.h"
#include "kernel/remote/remote_test_support.h"
#include "rdev/audio.h"
#include "rdev/audio_test_support.h"
#include "rdev/synthetic_audio.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using rdev::AudioConfig;
using rdev::AudioOps;
using rdev::AudioRead;
using rdev::AudioStatus;
using rdev::SampleFormat;
using rdev::audio_test::ReadWav;
using rdev::audio_test::ToneFrames;

// A deep ring, so that a loaded machine rarely overruns; the checks allow
// for it anyway, exactly, through `lost`.
constexpr AudioConfig kStereo{SampleFormat::kS16, 48000, 2, 240, 64};
constexpr uint32_t kHz = 1000;

// The next Read of a started source, waiting (at most 100 waits) while the
// ring is empty.
Result<AudioRead> NextRead(AudioOps& source, size_t max_bytes) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    Result<AudioRead> read = source.Read(max_bytes);
    if (read.ok() || read.error().status != Status::kShouldWait) return read;
    if (WaitForSignals(source, Signals::kReadable | Signals::kPeerClosed) == Signals::kNone) break;
  }
  return MakeError(Status::kShouldWait, "no frames within the bound");
}

// Reads `frames` frames of the tone from `source`, checking every sample
// where the stream says it is (`lost` frames skip ahead); gives the frames
// lost on the way. `n` is where the stream stands, and moves on.
uint64_t ReadExactTone(AudioOps& source, uint64_t& n, uint64_t frames) {
  size_t frame = rdev::FrameBytes(kStereo);
  uint64_t end = n + frames, lost = 0;
  while (n < end + lost) {
    Result<AudioRead> read = NextRead(source, 4800 * frame);
    EXPECT_TRUE(read.ok()) << read.error().message;
    if (!read.ok()) break;
    n += read->lost;
    lost += read->lost;
    std::vector<uint8_t> expected = ToneFrames(n, read->bytes.size() / frame, kStereo, kHz);
    EXPECT_EQ(read->bytes, expected) << "at frame " << n;
    if (read->bytes != expected) break;
    n += read->bytes.size() / frame;
  }
  return lost;
}

class AudioSourceRemoteTest : public testing::ProxiedTest<AudioOps, AudioOps> {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    tone_ = rdev::CreateToneSource(kHz);
    Result<Ref<AudioOps>> session = tone_->OpenSession();
    ASSERT_TRUE(session.ok()) << session.error().message;
    SetUpProxy(*session);
  }

  std::shared_ptr<rdev::LocalAudioDevice> tone_;
};

TEST_P(AudioSourceRemoteTest, InfoAnswersAsTheDevice) {
  EXPECT_EQ(remote_->direction(), rdev::AudioDirection::kCapture);
  EXPECT_EQ(remote_->StreamRights(), Rights::kRead);
  Result<rdev::AudioInfo> info = remote_->Info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  Result<rdev::AudioInfo> local = local_->Info();
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(info->name, local->name);
  EXPECT_EQ(info->driver, "synthetic");
  EXPECT_EQ(info->direction, rdev::AudioDirection::kCapture);
  EXPECT_EQ(info->formats, local->formats);
  EXPECT_EQ(info->rates, local->rates);
  EXPECT_EQ(info->max_channels, local->max_channels);
  EXPECT_EQ(info->config, local->config);
}

TEST_P(AudioSourceRemoteTest, ReadsTheExactTone) {
  ASSERT_TRUE(remote_->Configure(kStereo).ok());
  EXPECT_EQ(remote_->Read(4096).error().status, Status::kBadState);
  ASSERT_TRUE(remote_->Start().ok());
  uint64_t n = 0;
  uint64_t lost = ReadExactTone(*remote_, n, 9600);  // 0.2 s.
  EXPECT_GE(n, 9600u);
  Result<AudioStatus> status = remote_->Status();
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(status->started);
  EXPECT_EQ(status->frames_lost, lost);
  EXPECT_GE(status->frames, n);
  ASSERT_TRUE(remote_->Stop().ok());
  EXPECT_EQ(remote_->Read(4096).error().status, Status::kBadState);
}

TEST_P(AudioSourceRemoteTest, OverrunsReachTheReaderAsLostFramesAndXruns) {
  constexpr AudioConfig kSmallRing{SampleFormat::kS16, 48000, 2, 240, 2};
  ASSERT_TRUE(remote_->Configure(kSmallRing).ok());
  ASSERT_TRUE(remote_->Start().ok());
  // Far more than the 10 ms ring is captured before anything is read.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Result<AudioRead> read = remote_->Read(AudioOps::kMaxTransfer);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_GT(read->lost, 0u);
  EXPECT_EQ(read->bytes, ToneFrames(read->lost, read->bytes.size() / 4, kSmallRing, kHz));
  Result<AudioStatus> status = remote_->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_GE(status->xruns, 1u);
  EXPECT_GE(status->frames_lost, read->lost);
}

TEST_P(AudioSourceRemoteTest, BadInputSaysWhatIsWrong) {
  AudioConfig bad_rate = kStereo;
  bad_rate.rate = 1000;
  Result<rdev::AudioInfo> before = remote_->Info();
  ASSERT_TRUE(before.ok());
  VoidResult refused = remote_->Configure(bad_rate);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, Status::kInvalidArgs);
  EXPECT_NE(refused.error().message.find("rate"), std::string::npos) << refused.error().message;
  AudioConfig bad_format = kStereo;
  bad_format.format = SampleFormat(7);
  // The proxy sends what it is given; the server's reader refuses it.
  EXPECT_FALSE(remote_->Configure(bad_format).ok());
  EXPECT_EQ(remote_->Info()->config, before->config);
  // A source is not written, nor drained.
  uint8_t frame[4] = {};
  EXPECT_EQ(remote_->Write(frame).error().status, Status::kWrongType);
  EXPECT_EQ(remote_->Drain().error().status, Status::kWrongType);
}

TEST_P(AudioSourceRemoteTest, ServerEnforcesTheCapabilitysRights) {
  Ref<AudioOps> no_read = ProxyOf<AudioOps>(local_, Rights::kManage | Rights::kWait);
  ASSERT_NE(no_read, nullptr);
  EXPECT_EQ(no_read->Start().error().status, Status::kAccessDenied);
  EXPECT_EQ(no_read->Read(4096).error().status, Status::kAccessDenied);
  EXPECT_TRUE(no_read->Info().ok());  // Needs no right.
  Ref<AudioOps> read_only = ProxyOf<AudioOps>(local_, Rights::kRead | Rights::kWait);
  ASSERT_NE(read_only, nullptr);
  EXPECT_EQ(read_only->Configure(kStereo).error().status, Status::kAccessDenied);
  no_read.reset();
  read_only.reset();
}

TEST_P(AudioSourceRemoteTest, UnplugShowsAsPeerClosed) {
  ASSERT_TRUE(remote_->Start().ok());
  tone_->Unplug();
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  Result<AudioRead> read = remote_->Read(4096);
  for (int i = 0; i < 100 && read.ok(); ++i) read = remote_->Read(4096);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().status, Status::kPeerClosed);
}

TEST_P(AudioSourceRemoteTest, CutConnectionGivesPeerGoneNeverAHang) {
  ASSERT_TRUE(remote_->Start().ok());
  pair_->Cut();
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(remote_->Read(4096).error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Status().error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Stop().error().status, Status::kPeerGone);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_P(AudioSourceRemoteTest, AProxyOfAStartedSessionGoesOnStreamingIt) {
  Result<Ref<AudioOps>> session = tone_->OpenSession();
  ASSERT_TRUE(session.ok()) << session.error().message;
  ASSERT_TRUE((*session)->Configure(kStereo).ok());
  ASSERT_TRUE((*session)->Start().ok());
  // The first frames read where the session stands...
  Result<AudioRead> before = NextRead(**session, 240 * 4);
  ASSERT_TRUE(before.ok()) << before.error().message;
  uint64_t n = before->lost + before->bytes.size() / 4;
  // ...then, as a migration does, the started session's handle crosses and
  // the stream continues through the proxy, sample for sample.
  Ref<AudioOps> moved = ProxyOf<AudioOps>(*session);
  ASSERT_NE(moved, nullptr);
  ReadExactTone(*moved, n, 4800);
  Result<AudioStatus> status = moved->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->started);
  moved.reset();
}

INSTANTIATE_TEST_SUITE_P(Transports, AudioSourceRemoteTest, testing::AllTransports(),
                         testing::TransportName());

class AudioSinkRemoteTest : public testing::ProxiedTest<AudioOps, AudioOps> {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/shoal-audio-remote-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = SinkPath();
    PairTest::SetUp();
    Result<std::shared_ptr<rdev::LocalAudioDevice>> sink = rdev::CreateWavSink(path_);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    sink_ = *sink;
    Result<Ref<AudioOps>> session = sink_->OpenSession();
    ASSERT_TRUE(session.ok()) << session.error().message;
    SetUpProxy(*session);
  }
  void TearDown() override {
    ProxiedTest::TearDown();
    sink_.reset();
    if (path_.starts_with(dir_)) unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  // The host file the WAV sink writes.
  virtual std::string SinkPath() const { return dir_ + "/out.wav"; }

  // Writes all of `bytes`, waiting (bounded) on kWritable while the ring is full.
  static VoidResult WriteAll(AudioOps& sink, const std::vector<uint8_t>& bytes) {
    size_t frame = rdev::FrameBytes(kStereo), done = 0;
    for (int attempt = 0; attempt < 10000 && done < bytes.size(); ++attempt) {
      size_t chunk = std::min(bytes.size() - done, size_t(240) * frame);
      Result<size_t> frames = sink.Write(std::span<const uint8_t>(bytes.data() + done, chunk));
      if (frames.ok()) {
        done += *frames * frame;
      } else if (frames.error().status == Status::kShouldWait) {
        WaitForSignals(sink, Signals::kWritable | Signals::kPeerClosed);
      } else {
        return frames.error();
      }
    }
    if (done < bytes.size()) return MakeError(Status::kShouldWait, "not all written in bound");
    return Ok();
  }

  std::string dir_, path_;
  std::shared_ptr<rdev::LocalAudioDevice> sink_;
};

TEST_P(AudioSinkRemoteTest, WritesPlayIntoTheExactWav) {
  EXPECT_EQ(remote_->direction(), rdev::AudioDirection::kPlayback);
  ASSERT_TRUE(remote_->Configure(kStereo).ok());
  std::vector<uint8_t> written = ToneFrames(0, 240 * 40, kStereo, kHz);  // 0.2 s.
  EXPECT_EQ(remote_->Write(std::span<const uint8_t>(written.data(), 960)).error().status,
            Status::kBadState);
  ASSERT_TRUE(remote_->Start().ok());
  // One first write of the whole ring's worth: the clock starts with it.
  ASSERT_TRUE(WriteAll(*remote_, written).ok());
  ASSERT_TRUE(remote_->Drain().ok());
  Result<AudioStatus> status = remote_->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->queued_frames, 0u);
  std::optional<rdev::audio_test::Wav> wav = ReadWav(path_);
  ASSERT_TRUE(wav.has_value());
  EXPECT_EQ(wav->format_tag, 1);
  EXPECT_EQ(wav->channels, 2);
  EXPECT_EQ(wav->rate, 48000u);
  EXPECT_EQ(wav->bits, 16);
  if (status->xruns == 0) {
    EXPECT_EQ(wav->data, written);
  } else {
    // A loaded machine let the ring run dry: the silence it played is
    // counted, and every written frame still is in the file, in order.
    EXPECT_EQ(wav->data.size(), status->frames * 4);
  }
  ASSERT_TRUE(remote_->Stop().ok());
}

TEST_P(AudioSinkRemoteTest, UnderrunsAreReportedAcrossTheWire) {
  constexpr AudioConfig kSmallRing{SampleFormat::kS16, 48000, 2, 240, 2};
  ASSERT_TRUE(remote_->Configure(kSmallRing).ok());
  ASSERT_TRUE(remote_->Start().ok());
  std::vector<uint8_t> period = ToneFrames(0, 240, kSmallRing, kHz);
  ASSERT_EQ(*remote_->Write(period), 240u);
  // The ring runs dry for about 20 periods.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Result<AudioStatus> status = remote_->Status();
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_GE(status->xruns, 1u);
  Result<AudioStatus> local = local_->Status();
  ASSERT_TRUE(local.ok());
  EXPECT_GE(local->xruns, status->xruns);
}

TEST_P(AudioSinkRemoteTest, BadWritesSayWhatIsWrong) {
  ASSERT_TRUE(remote_->Configure(kStereo).ok());
  ASSERT_TRUE(remote_->Start().ok());
  uint8_t odd[3] = {};
  EXPECT_EQ(remote_->Write(odd).error().status, Status::kInvalidArgs);
  std::vector<uint8_t> huge(AudioOps::kMaxTransfer + 4);
  EXPECT_EQ(remote_->Write(huge).error().status, Status::kInvalidArgs);
  EXPECT_EQ(remote_->Read(4096).error().status, Status::kWrongType);
  AudioConfig other = kStereo;
  other.buffer_periods = 8;
  VoidResult reconfigured = remote_->Configure(other);  // While it streams.
  ASSERT_FALSE(reconfigured.ok());
  EXPECT_EQ(reconfigured.error().status, Status::kBadState);
  Ref<AudioOps> read_only = ProxyOf<AudioOps>(local_, Rights::kRead | Rights::kWait);
  ASSERT_NE(read_only, nullptr);
  EXPECT_EQ(read_only->Start().error().status, Status::kAccessDenied);  // A sink needs kWrite.
  read_only.reset();
}

INSTANTIATE_TEST_SUITE_P(Transports, AudioSinkRemoteTest, testing::AllTransports(),
                         testing::TransportName());

// A sink whose every write fails: /dev/full opens like a file and answers
// ENOSPC.
class AudioFailingSinkRemoteTest : public AudioSinkRemoteTest {
 protected:
  std::string SinkPath() const override { return "/dev/full"; }
};

TEST_P(AudioFailingSinkRemoteTest, TheDevicesFailureReachesTheWriterAcrossTheWire) {
  ASSERT_TRUE(remote_->Configure(kStereo).ok());
  ASSERT_TRUE(remote_->Start().ok());
  ASSERT_EQ(*remote_->Write(ToneFrames(0, 480, kStereo, kHz)), 480u);
  VoidResult drained = remote_->Drain();
  ASSERT_FALSE(drained.ok());
  EXPECT_EQ(drained.error().status, Status::kIoError);
  EXPECT_EQ(drained.error().message,
            "the audio device failed: wav-sink: cannot write /dev/full: No space left on device");
  Result<AudioStatus> status = remote_->Status();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, drained.error().message);
}

INSTANTIATE_TEST_SUITE_P(Transports, AudioFailingSinkRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
