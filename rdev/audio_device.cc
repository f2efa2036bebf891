#include "rdev/audio_device.h"

#include <algorithm>
#include <chrono>

#include "rdev/session_provider.h"

namespace shoal::rdev {
namespace {

using kernel::Notifications;
using kernel::Signals;
using SteadyTime = std::chrono::steady_clock::time_point;

// When tick `index` of a stream whose clock started at `start` is due:
// computed from the start every time, so rounding never accumulates.
SteadyTime TickDeadline(SteadyTime start, uint64_t index, const AudioConfig& config) {
  unsigned __int128 ns = (unsigned __int128)index * config.period_frames * 1'000'000'000u;
  return start + std::chrono::nanoseconds(uint64_t(ns / config.rate));
}

Error Unplugged() { return MakeError(Status::kPeerClosed, "the audio device was unplugged"); }

// What a handle hears when its stream ended because the backend failed.
Error Failed(const Error& backend) {
  return MakeError(Status::kIoError, "the audio device failed: " + backend.message);
}

}  // namespace

VoidResult AudioBackend::Capture(const AudioConfig&, uint64_t, std::span<uint8_t> period) {
  std::fill(period.begin(), period.end(), 0);
  return Ok();
}

VoidResult AudioBackend::Play(const AudioConfig&, std::span<const uint8_t>) { return Ok(); }

// One open of the device. Its state is the device's, under the device's lock.
class LocalAudioDevice::Session final : public AudioOps {
 public:
  explicit Session(std::shared_ptr<LocalAudioDevice> device)
      : AudioOps(kType), device_(std::move(device)) {}
  ~Session() override { device_->Close(*this); }

  AudioDirection direction() const override { return device_->described_.direction; }
  void InfoAsync(InfoDone done) override { done(device_->Info()); }
  void StatusAsync(StatusDone done) override { done(device_->StatusOf(*this)); }
  void ConfigureAsync(const AudioConfig& config, Done done) override {
    done(device_->Configure(config));
  }
  void StartAsync(Done done) override { done(device_->Start(*this)); }
  void StopAsync(Done done) override { done(device_->Stop(*this)); }
  void DrainAsync(Done done) override { device_->Drain(*this, std::move(done)); }
  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override {
    done(device_->Write(*this, bytes));
  }
  void ReadAsync(size_t max_bytes, ReadDone done) override {
    done(device_->Read(*this, max_bytes));
  }

  void SetSignalsLocked(Signals clear, Signals set, Notifications& fired) {
    UpdateSignals(clear, set, fired);
  }

 private:
  const std::shared_ptr<LocalAudioDevice> device_;
};

std::shared_ptr<LocalAudioDevice> LocalAudioDevice::Create(std::unique_ptr<AudioBackend> backend) {
  return std::shared_ptr<LocalAudioDevice>(new LocalAudioDevice(std::move(backend)));
}

LocalAudioDevice::LocalAudioDevice(std::unique_ptr<AudioBackend> backend)
    : backend_(std::move(backend)), described_(backend_->Describe()) {
  config_ = described_.config;
}

LocalAudioDevice::~LocalAudioDevice() {
  if (!clock_.joinable()) return;
  // The clock holds the device while it runs: the last reference went on it
  // (in a Drain's callback), and it touches nothing more.
  if (clock_.get_id() == std::this_thread::get_id()) {
    clock_.detach();
  } else {
    clock_.join();
  }
}

Result<Ref<AudioOps>> LocalAudioDevice::OpenSession() {
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  auto session = std::make_shared<Session>(shared_from_this());
  sessions_.push_back(session.get());
  return Ref<AudioOps>(std::move(session));
}

Ref<kernel::Provider> LocalAudioDevice::provider() {
  return SessionProvider::Create(
      kernel::ObjectType::kAudio,
      [device = shared_from_this()]() -> Result<Ref<kernel::KernelObject>> {
        return Ref<kernel::KernelObject>(TRY(device->OpenSession()));
      });
}

void LocalAudioDevice::Unplug() {
  std::vector<AudioOps::Done> failed;
  std::thread clock;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    if (unplugged_) return;
    unplugged_ = true;
    if (streaming_ != nullptr) clock = EndStreamLocked(failed, fired);
    for (Session* session : sessions_) {
      session->SetSignalsLocked(Signals::kReadable | Signals::kWritable, Signals::kPeerClosed,
                                fired);
    }
  }
  FinishStream(std::move(clock), failed, Unplugged());
}

Result<AudioInfo> LocalAudioDevice::Info() const {
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  AudioInfo info = described_;
  info.config = config_;
  return info;
}

uint32_t LocalAudioDevice::sessions() const {
  MutexLock lock(&mu_);
  return uint32_t(sessions_.size());
}

Result<AudioStatus> LocalAudioDevice::StatusOf(const Session& session) const {
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  TRY(CheckFailedLocked(session));
  AudioStatus status;
  status.busy = streaming_ != nullptr && streaming_ != &session;
  if (streaming_ != &session) return status;
  status.started = true;
  status.frames = frames_;
  status.queued_frames = ring_.size();
  status.latency_ns = uint64_t((unsigned __int128)(ring_.size() + config_.period_frames) *
                               1'000'000'000u / config_.rate);
  status.xruns = xruns_;
  status.frames_lost = frames_lost_;
  return status;
}

VoidResult LocalAudioDevice::Configure(const AudioConfig& config) {
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  TRY(CheckAudioConfig(config));
  auto refuse = [&](std::string what) {
    return MakeError(Status::kInvalidArgs, described_.name + " does not accept " + what);
  };
  const auto& formats = described_.formats;
  if (std::find(formats.begin(), formats.end(), config.format) == formats.end()) {
    return refuse("the sample format " + std::string(SampleFormatName(config.format)));
  }
  const auto& rates = described_.rates;
  if (std::find(rates.begin(), rates.end(), config.rate) == rates.end()) {
    return refuse("the rate " + std::to_string(config.rate));
  }
  if (config.channels > described_.max_channels) {
    return refuse(std::to_string(config.channels) + " channels (at most " +
                  std::to_string(described_.max_channels) + ")");
  }
  if (config == config_) return Ok();
  if (streaming_ != nullptr) {
    return MakeError(Status::kBadState, "the device streams " + FormatAudioConfig(config_) +
                                            "; stop it before configuring it");
  }
  config_ = config;
  return Ok();
}

VoidResult LocalAudioDevice::Start(Session& session) {
  std::thread previous;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    if (unplugged_) return Unplugged();
    if (streaming_ == &session) return Ok();
    if (streaming_ != nullptr) {
      return MakeError(Status::kBadState, "another handle of the audio device streams");
    }
    if (failed_ == &session) failed_ = nullptr;  // Reported; this Start tries again.
    streaming_ = &session;
    ++stream_;
    ring_.Reset(FrameBytes(config_), size_t(config_.period_frames) * config_.buffer_periods);
    frames_ = xruns_ = frames_lost_ = unreported_lost_ = 0;
    playing_ = !is_sink();
    previous = std::move(clock_);
    clock_ =
        std::thread([self = shared_from_this(), stream = stream_] { self->ClockLoop(stream); });
    UpdateRingSignalsLocked(fired);
  }
  if (previous.joinable()) previous.join();
  return Ok();
}

VoidResult LocalAudioDevice::Stop(Session& session) {
  {
    MutexLock lock(&mu_);
    if (unplugged_) return Unplugged();
    if (failed_ == &session) failed_ = nullptr;
  }
  EndStreamOf(session, "the stream stopped before it drained");
  return Ok();
}

void LocalAudioDevice::Close(Session& session) {
  {
    MutexLock lock(&mu_);
    sessions_.erase(std::find(sessions_.begin(), sessions_.end(), &session));
    if (failed_ == &session) failed_ = nullptr;
  }
  EndStreamOf(session, "the handle closed before the stream drained");
}

void LocalAudioDevice::EndStreamOf(Session& session, std::string why) {
  std::vector<AudioOps::Done> failed;
  std::thread clock;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    if (streaming_ != &session) return;
    clock = EndStreamLocked(failed, fired);
  }
  FinishStream(std::move(clock), failed, MakeError(Status::kBadState, std::move(why)));
}

void LocalAudioDevice::FailStreamLocked(uint64_t stream, const Error& error) {
  if (stream_ != stream || streaming_ == nullptr || unplugged_) return;
  failed_ = streaming_;
  failure_ = Failed(error);
  Error why = failure_;
  std::vector<AudioOps::Done> failed;
  Notifications fired;
  Session* session = streaming_;
  std::thread clock = EndStreamLocked(failed, fired);
  // Wakes a writer or reader waiting on the handle: its next call gets the error.
  session->SetSignalsLocked(Signals::kNone, is_sink() ? Signals::kWritable : Signals::kReadable,
                            fired);
  mu_.Unlock();
  fired.Run();
  FinishStream(std::move(clock), failed, why);
  mu_.Lock();
}

VoidResult LocalAudioDevice::CheckFailedLocked(const Session& session) const {
  if (failed_ == &session) return failure_;
  return Ok();
}

std::thread LocalAudioDevice::EndStreamLocked(std::vector<AudioOps::Done>& failed,
                                              Notifications& fired) {
  streaming_->SetSignalsLocked(Signals::kReadable | Signals::kWritable, Signals::kNone, fired);
  streaming_ = nullptr;
  playing_ = false;
  ring_.Clear();
  failed.swap(drains_);
  wake_.SignalAll();
  std::thread clock = std::move(clock_);
  if (clock.joinable() && clock.get_id() == std::this_thread::get_id()) {
    clock.detach();  // It holds the device and sees the stream end as this call returns.
  }
  return clock;
}

void LocalAudioDevice::FinishStream(std::thread clock, std::vector<AudioOps::Done>& failed,
                                    const Error& why) {
  if (clock.joinable()) clock.join();
  {
    MutexLock lock(&backend_mu_);
    backend_->Flush();
  }
  for (auto& done : failed) done(why);
}

void LocalAudioDevice::Drain(Session& session, AudioOps::Done done) {
  {
    MutexLock lock(&mu_);
    if (!is_sink()) {
      return done(MakeError(Status::kWrongType, "Drain is for a playback device"));
    }
    if (unplugged_) return done(Unplugged());
    if (VoidResult failed = CheckFailedLocked(session); !failed.ok()) return done(failed.error());
    if (streaming_ == &session && playing_) {
      if (ring_.size() > 0) {
        drains_.push_back(std::move(done));
        return;
      }
      playing_ = false;  // Played out already: the clock pauses until the next Write.
    }
  }
  {
    MutexLock lock(&backend_mu_);
    backend_->Flush();
  }
  done(Ok());
}

Result<size_t> LocalAudioDevice::Write(Session& session, std::span<const uint8_t> bytes) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (!is_sink()) return MakeError(Status::kWrongType, "Write is for a playback device");
  if (unplugged_) return Unplugged();
  TRY(CheckFailedLocked(session));
  if (streaming_ != &session) {
    return MakeError(Status::kBadState, "the audio handle has not started");
  }
  if (bytes.size() % ring_.frame_bytes() != 0) {
    return MakeError(Status::kInvalidArgs, std::to_string(bytes.size()) +
                                               " bytes are not whole frames of " +
                                               std::to_string(ring_.frame_bytes()) + " bytes");
  }
  if (bytes.size() > AudioOps::kMaxTransfer) {
    bytes = bytes.first(AudioOps::kMaxTransfer / ring_.frame_bytes() * ring_.frame_bytes());
  }
  if (!bytes.empty() && ring_.room() == 0) {
    return MakeError(Status::kShouldWait, "the ring is full");
  }
  size_t frames = ring_.Push(bytes);
  if (frames > 0 && !playing_) {
    playing_ = true;
    wake_.SignalAll();
  }
  UpdateRingSignalsLocked(fired);
  return frames;
}

Result<AudioRead> LocalAudioDevice::Read(Session& session, size_t max_bytes) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (is_sink()) return MakeError(Status::kWrongType, "Read is for a capture device");
  if (unplugged_) return Unplugged();
  TRY(CheckFailedLocked(session));
  if (streaming_ != &session) {
    return MakeError(Status::kBadState, "the audio handle has not started");
  }
  size_t frame = ring_.frame_bytes();
  size_t frames = std::min(max_bytes, AudioOps::kMaxTransfer) / frame;
  if (frames == 0) {
    return MakeError(Status::kInvalidArgs, std::to_string(max_bytes) +
                                               " bytes hold no whole frame of " +
                                               std::to_string(frame) + " bytes");
  }
  if (ring_.size() == 0) return MakeError(Status::kShouldWait, "no frame is captured yet");
  AudioRead read;
  read.bytes.resize(std::min(frames, ring_.size()) * frame);
  ring_.Pop(read.bytes);
  read.lost = std::exchange(unreported_lost_, 0);
  UpdateRingSignalsLocked(fired);
  return read;
}

void LocalAudioDevice::UpdateRingSignalsLocked(Notifications& fired) {
  if (streaming_ == nullptr) return;
  if (is_sink()) {
    streaming_->SetSignalsLocked(ring_.room() > 0 ? Signals::kNone : Signals::kWritable,
                                 ring_.room() > 0 ? Signals::kWritable : Signals::kNone, fired);
  } else {
    streaming_->SetSignalsLocked(ring_.size() > 0 ? Signals::kNone : Signals::kReadable,
                                 ring_.size() > 0 ? Signals::kReadable : Signals::kNone, fired);
  }
}

void LocalAudioDevice::ClockLoop(uint64_t stream) {
  MutexLock lock(&mu_);
  auto ended = [&]() REQUIRES(mu_) {
    return stream_ != stream || streaming_ == nullptr || unplugged_;
  };
  std::vector<uint8_t> period(FrameBytes(config_) * config_.period_frames);
  SteadyTime start;
  uint64_t index = 0;
  bool timing = false;
  while (!ended()) {
    if (!playing_) {  // A sink with nothing to play.
      timing = false;
      while (!ended() && !playing_) wake_.Wait(mu_);
      continue;
    }
    if (!timing) {
      start = std::chrono::steady_clock::now();
      index = 0;
      timing = true;
    }
    SteadyTime deadline = TickDeadline(start, index + 1, config_);
    while (!ended() && playing_) {
      if (!wake_.WaitUntil(mu_, deadline)) break;
    }
    if (ended() || !playing_) continue;
    ++index;
    if (is_sink()) {
      PlayTick(period);
    } else {
      CaptureTick(period);
    }
  }
}

void LocalAudioDevice::CaptureTick(std::vector<uint8_t>& period) {
  uint64_t first = frames_;
  AudioConfig config = config_;  // Fixed while the stream runs.
  uint64_t stream = stream_;
  mu_.Unlock();
  VoidResult captured = Ok();
  {
    MutexLock backend(&backend_mu_);
    captured = backend_->Capture(config, first, period);
  }
  Notifications fired;  // Declared before the lock is retaken: runs after it is released.
  mu_.Lock();
  if (!captured.ok()) return FailStreamLocked(stream, captured.error());
  if (stream_ != stream || streaming_ == nullptr || unplugged_) return;
  size_t lost = ring_.PushOverwriting(period);
  frames_ += config.period_frames;
  if (lost > 0) {
    ++xruns_;
    frames_lost_ += lost;
    unreported_lost_ += lost;
  }
  UpdateRingSignalsLocked(fired);
  mu_.Unlock();
  fired.Run();
  mu_.Lock();
}

void LocalAudioDevice::PlayTick(std::vector<uint8_t>& period) {
  Notifications fired;
  size_t played = ring_.Pop(period);
  size_t frame = ring_.frame_bytes();
  std::fill(period.begin() + played * frame, period.end(), 0);
  // A short period while a Drain waits is the end of the stream, not an underrun.
  if (played < config_.period_frames && drains_.empty()) ++xruns_;
  frames_ += config_.period_frames;
  std::vector<AudioOps::Done> drained;
  if (ring_.size() == 0 && !drains_.empty()) {
    drained.swap(drains_);
    playing_ = false;
  }
  AudioConfig config = config_;
  uint64_t stream = stream_;
  UpdateRingSignalsLocked(fired);
  mu_.Unlock();
  fired.Run();
  VoidResult played_out = Ok();
  {
    MutexLock backend(&backend_mu_);
    played_out = backend_->Play(config, period);
    if (played_out.ok() && !drained.empty()) backend_->Flush();
  }
  for (auto& done : drained) done(played_out.ok() ? Ok() : VoidResult(Failed(played_out.error())));
  drained.clear();  // Callbacks and what they hold go before the lock is retaken.
  mu_.Lock();
  if (!played_out.ok()) FailStreamLocked(stream, played_out.error());
}

}  // namespace shoal::rdev
