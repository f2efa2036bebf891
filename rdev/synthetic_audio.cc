#include "rdev/synthetic_audio.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>

#include "kernel/base/little_endian.h"

namespace shoal::rdev {
namespace {

AudioInfo DescribeSynthetic(std::string name, std::string driver, AudioDirection direction) {
  AudioInfo info;
  info.name = std::move(name);
  info.driver = std::move(driver);
  info.direction = direction;
  info.formats = {SampleFormat::kS16, SampleFormat::kF32};
  info.rates = SyntheticAudioRates();
  info.max_channels = kMaxAudioChannels;
  return info;
}

class ToneBackend final : public AudioBackend {
 public:
  explicit ToneBackend(uint32_t hz) : hz_(hz) {}
  AudioInfo Describe() const override {
    return DescribeSynthetic("Synthetic tone", "synthetic", AudioDirection::kCapture);
  }
  VoidResult Capture(const AudioConfig& config, uint64_t first_frame,
                     std::span<uint8_t> period) override {
    size_t sample = SampleBytes(config.format);
    size_t frame = sample * config.channels;
    for (size_t i = 0; i * frame < period.size(); ++i) {
      std::vector<uint8_t> bytes = ToneSample(first_frame + i, hz_, config.rate, config.format);
      for (size_t channel = 0; channel < config.channels; ++channel) {
        std::memcpy(period.data() + i * frame + channel * sample, bytes.data(), sample);
      }
    }
    return Ok();
  }

 private:
  const uint32_t hz_;
};

// The 44 bytes of a canonical WAV header for `data_bytes` of `config`.
std::array<uint8_t, 44> WavHeader(const AudioConfig& config, uint32_t data_bytes) {
  std::array<uint8_t, 44> h{};
  uint32_t frame = uint32_t(FrameBytes(config));
  std::memcpy(&h[0], "RIFF", 4);
  StoreLittleEndian(&h[4], 36 + data_bytes, 4);
  std::memcpy(&h[8], "WAVEfmt ", 8);
  StoreLittleEndian(&h[16], 16, 4);
  StoreLittleEndian(&h[20], config.format == SampleFormat::kF32 ? 3 : 1, 2);
  StoreLittleEndian(&h[22], config.channels, 2);
  StoreLittleEndian(&h[24], config.rate, 4);
  StoreLittleEndian(&h[28], config.rate * frame, 4);
  StoreLittleEndian(&h[32], frame, 2);
  StoreLittleEndian(&h[34], uint32_t(SampleBytes(config.format) * 8), 2);
  std::memcpy(&h[36], "data", 4);
  StoreLittleEndian(&h[40], data_bytes, 4);
  return h;
}

class WavSinkBackend final : public AudioBackend {
 public:
  WavSinkBackend(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {
    (void)WriteHeader();  // A file that cannot take it fails the first Play.
  }
  ~WavSinkBackend() override {
    (void)WriteHeader();  // Nobody is left to hear of a failure.
    std::fclose(file_);
  }
  AudioInfo Describe() const override {
    return DescribeSynthetic("WAV sink", "wav", AudioDirection::kPlayback);
  }
  VoidResult Play(const AudioConfig& config, std::span<const uint8_t> period) override {
    if (config != config_) {
      // The file holds one configuration: a new one starts it over (an
      // empty one only needs its header rewritten).
      config_ = config;
      if (data_bytes_ > 0) {
        data_bytes_ = 0;
        std::fflush(file_);
        if (ftruncate(fileno(file_), 0) != 0) return Failed("truncate");
      }
      TRY(WriteHeader());
    }
    // RIFF sizes are 32-bit: a file that reached 4 GiB keeps what fits.
    if (data_bytes_ + period.size() > UINT32_MAX - 36) return Ok();
    std::fseek(file_, long(44 + data_bytes_), SEEK_SET);
    size_t written = std::fwrite(period.data(), 1, period.size(), file_);
    // Flushed per period, so a full disk shows now, not at the stream's end.
    if (written != period.size() || std::fflush(file_) != 0) return Failed("write");
    data_bytes_ += written;
    return Ok();
  }
  void Flush() override { (void)WriteHeader(); }

 private:
  VoidResult WriteHeader() {
    std::array<uint8_t, 44> header = WavHeader(config_, uint32_t(data_bytes_));
    std::fseek(file_, 0, SEEK_SET);
    if (std::fwrite(header.data(), 1, header.size(), file_) != header.size() ||
        std::fflush(file_) != 0) {
      return Failed("write");
    }
    return Ok();
  }

  Error Failed(const char* what) const {
    return MakeError(Status::kIoError, "wav-sink: cannot " + std::string(what) + " " + path_ +
                                           ": " + std::strerror(errno));
  }

  std::FILE* const file_;
  const std::string path_;
  AudioConfig config_;
  uint64_t data_bytes_ = 0;
};

}  // namespace

std::vector<uint8_t> ToneSample(uint64_t n, uint32_t hz, uint32_t rate, SampleFormat format) {
  // The phase from (n * hz) mod rate: exact in integers, so it never drifts
  // however long the stream runs.
  uint64_t step = (unsigned __int128)n * hz % rate;
  double value = 0.5 * std::sin(2 * std::numbers::pi * double(step) / double(rate));
  std::vector<uint8_t> bytes(SampleBytes(format));
  if (format == SampleFormat::kF32) {
    float f = float(value);
    std::memcpy(bytes.data(), &f, sizeof f);
  } else {
    int16_t s = int16_t(std::lrint(value * 32767));
    bytes[0] = uint8_t(uint16_t(s));
    bytes[1] = uint8_t(uint16_t(s) >> 8);
  }
  return bytes;
}

Result<uint32_t> ParseToneHz(std::string_view options) {
  if (options.empty()) return kDefaultToneHz;
  uint32_t hz = 0;
  auto [end, ec] = std::from_chars(options.data(), options.data() + options.size(), hz);
  if (ec != std::errc() || end != options.data() + options.size() || hz < 1 || hz > 20000) {
    return MakeError(Status::kInvalidArgs, "synthetic-tone: the frequency \"" +
                                               std::string(options) +
                                               "\" is not a whole number of Hz in 1..20000");
  }
  return hz;
}

std::vector<uint32_t> SyntheticAudioRates() { return {8000, 16000, 44100, 48000, 96000}; }

std::shared_ptr<LocalAudioDevice> CreateToneSource(uint32_t hz) {
  return LocalAudioDevice::Create(std::make_unique<ToneBackend>(hz));
}

Result<std::shared_ptr<LocalAudioDevice>> CreateWavSink(const std::string& host_path) {
  if (host_path.empty()) {
    return MakeError(Status::kInvalidArgs, "wav-sink needs a host path (wav-sink:/tmp/out.wav)");
  }
  std::FILE* file = std::fopen(host_path.c_str(), "w+b");
  if (file == nullptr) {
    return MakeError(Status::kIoError,
                     "wav-sink: cannot create " + host_path + ": " + std::strerror(errno));
  }
  return LocalAudioDevice::Create(std::make_unique<WavSinkBackend>(file, host_path));
}

}  // namespace shoal::rdev
