#include "rdev/alsa_audio.h"

#include <alsa/asoundlib.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

namespace shoal::rdev {
namespace {

// Periods in the PCM's own buffer, and silence written ahead of the first.
constexpr snd_pcm_uframes_t kPcmPeriods = 4;
constexpr uint32_t kRates[] = {8000, 16000, 44100, 48000, 96000};

snd_pcm_format_t PcmFormat(SampleFormat format) {
  return format == SampleFormat::kF32 ? SND_PCM_FORMAT_FLOAT_LE : SND_PCM_FORMAT_S16_LE;
}

snd_pcm_stream_t PcmStream(AudioDirection direction) {
  return direction == AudioDirection::kPlayback ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE;
}

// An open PCM, closed with the object.
class Pcm {
 public:
  Pcm() = default;
  explicit Pcm(snd_pcm_t* pcm) : pcm_(pcm) {}
  ~Pcm() { Reset(); }
  Pcm(Pcm&& other) noexcept : pcm_(std::exchange(other.pcm_, nullptr)) {}
  Pcm& operator=(Pcm&& other) noexcept {
    Reset();
    pcm_ = std::exchange(other.pcm_, nullptr);
    return *this;
  }
  snd_pcm_t* get() const { return pcm_; }
  explicit operator bool() const { return pcm_ != nullptr; }
  void Reset() {
    if (pcm_ != nullptr) snd_pcm_close(pcm_);
    pcm_ = nullptr;
  }

 private:
  snd_pcm_t* pcm_ = nullptr;
};

// libasound prints its errors to stderr; ours say the same, with the PCM.
void IgnoreAlsaError(const char*, int, const char*, int, const char*, ...) {}

Result<Pcm> OpenPcm(const std::string& name, AudioDirection direction) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { snd_lib_error_set_handler(IgnoreAlsaError); });
  snd_pcm_t* pcm = nullptr;
  int err = snd_pcm_open(&pcm, name.c_str(), PcmStream(direction), SND_PCM_NONBLOCK);
  if (err < 0) {
    return MakeError(err == -ENOENT || err == -ENODEV ? Status::kNotFound : Status::kIoError,
                     "cannot open the ALSA PCM " + name + ": " + snd_strerror(err));
  }
  return Pcm(pcm);
}

// What `name` accepts, with the default configuration it will start in.
Result<AudioInfo> DescribePcm(const std::string& name, AudioDirection direction) {
  Pcm pcm = TRY(OpenPcm(name, direction));
  snd_pcm_hw_params_t* hw;
  snd_pcm_hw_params_alloca(&hw);
  if (int err = snd_pcm_hw_params_any(pcm.get(), hw); err < 0) {
    return MakeError(Status::kIoError, "ALSA PCM " + name + ": " + snd_strerror(err));
  }
  AudioInfo info;
  info.driver = "alsa";
  info.direction = direction;
  snd_pcm_info_t* pcm_info;
  snd_pcm_info_alloca(&pcm_info);
  const char* card = snd_pcm_info(pcm.get(), pcm_info) == 0 ? snd_pcm_info_get_name(pcm_info) : "";
  info.name = std::string(card && *card ? card : "ALSA PCM") + " (" + name + ")";
  for (SampleFormat format : {SampleFormat::kS16, SampleFormat::kF32}) {
    if (snd_pcm_hw_params_test_format(pcm.get(), hw, PcmFormat(format)) == 0) {
      info.formats.push_back(format);
    }
  }
  for (uint32_t rate : kRates) {
    if (snd_pcm_hw_params_test_rate(pcm.get(), hw, rate, 0) == 0) info.rates.push_back(rate);
  }
  unsigned int channels = 0;
  snd_pcm_hw_params_get_channels_max(hw, &channels);
  info.max_channels = std::min<uint32_t>(channels, kMaxAudioChannels);
  if (info.formats.empty() || info.rates.empty() || info.max_channels == 0) {
    return MakeError(Status::kInvalidArgs, "ALSA PCM " + name +
                                               " accepts none of the formats (s16, f32), rates"
                                               " (8000..96000) or channels Shoal streams");
  }
  // The device's default, AudioConfig{}, where the PCM takes it.
  AudioConfig& config = info.config;
  config.format = info.formats.front();
  if (std::find(info.rates.begin(), info.rates.end(), config.rate) == info.rates.end()) {
    config.rate = info.rates.back();
  }
  config.channels = std::min(config.channels, info.max_channels);
  return info;
}

class AlsaBackend final : public AudioBackend {
 public:
  AlsaBackend(std::string name, AudioInfo described)
      : name_(std::move(name)), described_(std::move(described)) {}

  AudioInfo Describe() const override { return described_; }

  VoidResult Capture(const AudioConfig& config, uint64_t, std::span<uint8_t> period) override {
    size_t frame = FrameBytes(config);
    size_t got = TRY(Transfer(config, period.size() / frame, [&](size_t done, size_t left) {
      return snd_pcm_readi(pcm_.get(), period.data() + done * frame, left);
    }));
    std::fill(period.begin() + got * frame, period.end(), 0);  // A stalled card: silence.
    return Ok();
  }

  VoidResult Play(const AudioConfig& config, std::span<const uint8_t> period) override {
    size_t frame = FrameBytes(config);
    // What a stalled card did not take of the period is lost to it.
    TRY(Transfer(config, period.size() / frame, [&](size_t done, size_t left) {
      return snd_pcm_writei(pcm_.get(), period.data() + done * frame, left);
    }));
    return Ok();
  }

  void Flush() override {
    if (!pcm_) return;
    if (described_.direction == AudioDirection::kPlayback) {
      // Plays out what the PCM holds (at most its buffer) before closing.
      snd_pcm_nonblock(pcm_.get(), 0);
      snd_pcm_drain(pcm_.get());
    }
    pcm_.Reset();
  }

 private:
  // Two periods of `config`, in milliseconds, at least 10.
  static int WaitMs(const AudioConfig& config) {
    return int(std::max<uint64_t>(10, 2000ull * config.period_frames / config.rate));
  }

  // Moves `frames` frames through the PCM opened in `config`, `io(done,
  // left)` reading or writing the next ones; recovers from xruns. Returns
  // how many moved before the card stalled for two periods (all of them
  // unless it did).
  template <typename Io>
  Result<size_t> Transfer(const AudioConfig& config, size_t frames, Io io) {
    TRY(Ready(config));
    size_t done = 0;
    while (done < frames) {
      int ready = snd_pcm_wait(pcm_.get(), WaitMs(config));
      if (ready == 0) break;
      snd_pcm_sframes_t n = ready < 0 ? ready : io(done, frames - done);
      if (n == -EAGAIN) continue;
      if (n < 0) {
        TRY(Recover(int(n)));
        continue;
      }
      done += size_t(n);
    }
    return done;
  }

  // Recovers from an xrun or a suspend; closes the PCM on anything else (a
  // card unplugged), which ends the stream.
  VoidResult Recover(int err) {
    if (snd_pcm_recover(pcm_.get(), err, 1) == 0) {
      if (described_.direction == AudioDirection::kCapture) snd_pcm_start(pcm_.get());
      return Ok();
    }
    pcm_.Reset();
    return MakeError(Status::kIoError, "ALSA PCM " + name_ + ": " + snd_strerror(err));
  }

  // The PCM open in `config`: as it is, or opened (again) now.
  VoidResult Ready(const AudioConfig& config) {
    if (pcm_ && config == config_) return Ok();
    pcm_.Reset();
    pcm_ = TRY(OpenIn(config));
    config_ = config;
    return Ok();
  }

  Result<Pcm> OpenIn(const AudioConfig& config) {
    Pcm pcm = TRY(OpenPcm(name_, described_.direction));
    snd_pcm_t* p = pcm.get();
    snd_pcm_hw_params_t* hw;
    snd_pcm_hw_params_alloca(&hw);
    snd_pcm_uframes_t period = config.period_frames;
    snd_pcm_uframes_t buffer = period * kPcmPeriods;
    int dir = 0;
    int err = snd_pcm_hw_params_any(p, hw);
    if (err >= 0) err = snd_pcm_hw_params_set_access(p, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
    if (err >= 0) err = snd_pcm_hw_params_set_format(p, hw, PcmFormat(config.format));
    if (err >= 0) err = snd_pcm_hw_params_set_channels(p, hw, config.channels);
    if (err >= 0) err = snd_pcm_hw_params_set_rate(p, hw, config.rate, 0);
    if (err >= 0) err = snd_pcm_hw_params_set_period_size_near(p, hw, &period, &dir);
    if (err >= 0) err = snd_pcm_hw_params_set_buffer_size_near(p, hw, &buffer);
    if (err >= 0) err = snd_pcm_hw_params(p, hw);
    snd_pcm_sw_params_t* sw;
    snd_pcm_sw_params_alloca(&sw);
    if (err >= 0) err = snd_pcm_sw_params_current(p, sw);
    bool playback = described_.direction == AudioDirection::kPlayback;
    // Playback starts with the cushion and the first period in the buffer.
    if (err >= 0) err = snd_pcm_sw_params_set_start_threshold(p, sw, playback ? 2 * period : 1);
    if (err >= 0) err = snd_pcm_sw_params_set_avail_min(p, sw, period);
    if (err >= 0) err = snd_pcm_sw_params(p, sw);
    if (err >= 0) err = snd_pcm_prepare(p);
    if (err >= 0 && playback) {
      std::vector<uint8_t> silence(period * FrameBytes(config));
      snd_pcm_sframes_t n = snd_pcm_writei(p, silence.data(), period);
      err = n < 0 ? int(n) : 0;
    }
    if (err >= 0 && !playback) err = snd_pcm_start(p);
    if (err < 0) {
      return MakeError(Status::kIoError, "ALSA PCM " + name_ + ": cannot stream " +
                                             FormatAudioConfig(config) + ": " + snd_strerror(err));
    }
    return pcm;
  }

  const std::string name_;
  const AudioInfo described_;
  // The stream's PCM (the clock thread's, one call at a time).
  Pcm pcm_;
  AudioConfig config_;
};

}  // namespace

Result<std::shared_ptr<LocalAudioDevice>> OpenAlsaDevice(AudioDirection direction,
                                                         const std::string& pcm) {
  AudioInfo described = TRY(DescribePcm(pcm, direction));
  return LocalAudioDevice::Create(std::make_unique<AlsaBackend>(pcm, std::move(described)));
}

}  // namespace shoal::rdev
