#include "rdev/audio.h"

#include <charconv>

#include "rdev/split_at.h"

namespace shoal::rdev {
std::string_view SampleFormatName(SampleFormat format) {
  switch (format) {
    case SampleFormat::kS16:
      return "s16";
    case SampleFormat::kF32:
      return "f32";
  }
  return "unknown";
}

std::optional<SampleFormat> ParseSampleFormat(std::string_view name) {
  for (uint8_t value = 1; value <= kMaxSampleFormat; ++value) {
    if (SampleFormatName(SampleFormat(value)) == name) return SampleFormat(value);
  }
  return std::nullopt;
}

size_t SampleBytes(SampleFormat format) {
  switch (format) {
    case SampleFormat::kS16:
      return 2;
    case SampleFormat::kF32:
      return 4;
  }
  return 0;
}

size_t FrameBytes(const AudioConfig& config) {
  return SampleBytes(config.format) * config.channels;
}

VoidResult CheckAudioConfig(const AudioConfig& config) {
  auto invalid = [&](std::string why) {
    return MakeError(Status::kInvalidArgs,
                     "audio configuration \"" + FormatAudioConfig(config) + "\": " + why);
  };
  if (SampleBytes(config.format) == 0) return invalid("unknown sample format");
  if (config.rate < kMinAudioRate || config.rate > kMaxAudioRate) {
    return invalid("the rate must be " + std::to_string(kMinAudioRate) + ".." +
                   std::to_string(kMaxAudioRate));
  }
  if (config.channels < 1 || config.channels > kMaxAudioChannels) {
    return invalid("the channels must be 1.." + std::to_string(kMaxAudioChannels));
  }
  if (config.period_frames < kMinPeriodFrames || config.period_frames > kMaxPeriodFrames) {
    return invalid("the period must be " + std::to_string(kMinPeriodFrames) + ".." +
                   std::to_string(kMaxPeriodFrames) + " frames");
  }
  if (config.buffer_periods < kMinBufferPeriods || config.buffer_periods > kMaxBufferPeriods) {
    return invalid("the ring must hold " + std::to_string(kMinBufferPeriods) + ".." +
                   std::to_string(kMaxBufferPeriods) + " periods");
  }
  return Ok();
}

std::string FormatAudioConfig(const AudioConfig& config) {
  return std::string(SampleFormatName(config.format)) + " " + std::to_string(config.rate) + "x" +
         std::to_string(config.channels) + " period " + std::to_string(config.period_frames) + "x" +
         std::to_string(config.buffer_periods);
}

Result<AudioConfig> ParseAudioConfig(std::string_view text) {
  auto invalid = [&](std::string why) {
    return MakeError(Status::kInvalidArgs, "audio configuration \"" + std::string(text) +
                                               "\": " + why +
                                               " (expected \"FORMAT RATExCHANNELS period "
                                               "FRAMESxPERIODS\")");
  };
  auto number = [&](std::string_view digits, std::string_view what) -> Result<uint32_t> {
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      return invalid("the " + std::string(what) + " \"" + std::string(digits) +
                     "\" is not a number below 2^32");
    }
    return value;
  };
  auto format_rest = SplitAt(text, ' ');
  if (!format_rest) return invalid("no sample format");
  std::optional<SampleFormat> format = ParseSampleFormat(format_rest->first);
  if (!format) {
    return invalid("unknown sample format \"" + std::string(format_rest->first) + "\" (s16, f32)");
  }
  auto shape_rest = SplitAt(format_rest->second, ' ');
  if (!shape_rest) return invalid("no rate and channels");
  auto shape = SplitAt(shape_rest->first, 'x');
  if (!shape) return invalid("\"" + std::string(shape_rest->first) + "\" is not RATExCHANNELS");
  constexpr std::string_view kPeriod = "period ";
  if (!shape_rest->second.starts_with(kPeriod)) return invalid("no \"period\"");
  std::string_view ring_text = shape_rest->second.substr(kPeriod.size());
  auto ring = SplitAt(ring_text, 'x');
  if (!ring) return invalid("\"" + std::string(ring_text) + "\" is not FRAMESxPERIODS");
  AudioConfig config;
  config.format = *format;
  config.rate = TRY(number(shape->first, "rate"));
  config.channels = TRY(number(shape->second, "channel count"));
  config.period_frames = TRY(number(ring->first, "period"));
  config.buffer_periods = TRY(number(ring->second, "period count"));
  TRY(CheckAudioConfig(config));
  return config;
}

}  // namespace shoal::rdev
