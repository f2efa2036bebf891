// Audio devices without hardware (docs/devices.md), for tests, the simulator
// and nodes with no sound card; both are LocalAudioDevices (audio_device.h),
// so they have its clock, ring, xruns and Unplug.
//
//   - A tone source ("synthetic-tone[:HZ]", 440 Hz unless given): captures a
//     sine whose sample n is a pure function of n, the frequency, the rate
//     and the format (ToneSample), the same on every channel, so a test can
//     check every captured sample exactly.
//   - A WAV sink ("wav-sink:HOSTPATH"): plays into a RIFF/WAVE file of the
//     host, appending every period it consumes (the silence of an underrun
//     included), PCM s16 (format 1) or IEEE float f32 (format 3). The header
//     carries the right sizes after each Stop, Drain and at destruction. A
//     stream in another configuration than the file's starts the file over.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/result.h"
#include "rdev/audio.h"
#include "rdev/audio_device.h"

namespace shoal::rdev {

constexpr uint32_t kDefaultToneHz = 440;

// Sample `n` (counted from Start) of a `hz` sine at `rate`, at half of full
// scale, as `format` stores it, little-endian: 2 bytes (s16) or 4 (f32).
std::vector<uint8_t> ToneSample(uint64_t n, uint32_t hz, uint32_t rate, SampleFormat format);

// "synthetic-tone[:HZ]" options: "" (440 Hz) or a frequency in 1..20000 Hz.
Result<uint32_t> ParseToneHz(std::string_view options);

// The rates and formats both devices accept.
std::vector<uint32_t> SyntheticAudioRates();

std::shared_ptr<LocalAudioDevice> CreateToneSource(uint32_t hz = kDefaultToneHz);

// kInvalidArgs for an empty path; kIoError (saying why) when the file cannot
// be created.
Result<std::shared_ptr<LocalAudioDevice>> CreateWavSink(const std::string& host_path);

}  // namespace shoal::rdev
