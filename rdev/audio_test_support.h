// Helpers for tests of audio devices, local or remote: the tone a
// synthetic source captures, frame by frame, and a WAV file as the WAV sink
// writes it, read back field by field.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "rdev/audio.h"
#include "rdev/synthetic_audio.h"

namespace shoal::rdev::audio_test {

// The frames of the tone from sample `first` on, as the source stores them.
inline std::vector<uint8_t> ToneFrames(uint64_t first, size_t frames, const AudioConfig& config,
                                       uint32_t hz = kDefaultToneHz) {
  std::vector<uint8_t> bytes;
  for (uint64_t n = first; n < first + frames; ++n) {
    std::vector<uint8_t> sample = ToneSample(n, hz, config.rate, config.format);
    for (uint32_t c = 0; c < config.channels; ++c)
      bytes.insert(bytes.end(), sample.begin(), sample.end());
  }
  return bytes;
}

// A WAV file as the sink writes it, read back field by field.
struct Wav {
  uint16_t format_tag = 0, channels = 0, bits = 0;
  uint32_t rate = 0;
  std::vector<uint8_t> data;
};

inline uint32_t Le(const std::vector<uint8_t>& b, size_t at, size_t bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < bytes; ++i) value |= uint32_t(b[at + i]) << (8 * i);
  return value;
}

inline std::optional<Wav> ReadWav(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 44 || std::memcmp(b.data(), "RIFF", 4) != 0 ||
      std::memcmp(&b[8], "WAVEfmt ", 8) != 0 || std::memcmp(&b[36], "data", 4) != 0 ||
      Le(b, 4, 4) != b.size() - 8 || Le(b, 40, 4) != b.size() - 44 || Le(b, 16, 4) != 16) {
    return std::nullopt;
  }
  Wav wav;
  wav.format_tag = uint16_t(Le(b, 20, 2));
  wav.channels = uint16_t(Le(b, 22, 2));
  wav.rate = Le(b, 24, 4);
  wav.bits = uint16_t(Le(b, 34, 2));
  if (Le(b, 28, 4) != wav.rate * wav.channels * wav.bits / 8 ||
      Le(b, 32, 2) != wav.channels * wav.bits / 8u) {
    return std::nullopt;
  }
  wav.data.assign(b.begin() + 44, b.end());
  return wav;
}

// Sample n of apps/tone.c at 48 kHz: Bhaskara's rational sine in integers.
inline int16_t ToneAppSample(uint64_t n, uint32_t hz) {
  int64_t half = 24000, p = int64_t(n * hz % 48000);
  int64_t q = p % half, x = q * (half - q);
  int64_t value = 16384 * 16 * x / (5 * half * half - 4 * x);
  return int16_t(p < half ? value : -value);
}

// Checks that `data` (s16 stereo, as a WAV sink played it) holds the first
// `frames` frames of apps/tone.c's `hz` tone in order, with nothing between
// them but silent frames (the underruns the sink played). Gives the number
// of silent frames found between or after them, or -1 when the data is not
// that (`where` then says at which frame).
inline int64_t SilenceAroundToneApp(const std::vector<uint8_t>& data, uint64_t frames, uint32_t hz,
                                    uint64_t* where) {
  uint64_t n = 0;
  int64_t silent = 0;
  for (size_t at = 0; at + 4 <= data.size(); at += 4) {
    int16_t left = int16_t(data[at] | data[at + 1] << 8);
    int16_t right = int16_t(data[at + 2] | data[at + 3] << 8);
    // Greedy matching finds the tone as a subsequence whenever it is one.
    if (n < frames && left == ToneAppSample(n, hz) && right == left) {
      ++n;
    } else if (left == 0 && right == 0) {
      ++silent;
    } else {
      *where = at / 4;
      return -1;
    }
  }
  *where = n;
  return n == frames ? silent : -1;
}

}  // namespace shoal::rdev::audio_test
