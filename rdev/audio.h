// AudioOps: a PCM playback or capture device as a kernel object
// (ARCHITECTURE.md, invariant 3; docs/devices.md, "Audio").
//
// One handle is one open of the device; one open at a time streams (Start
// by another while one streams is kBadState), as a sound card's PCM allows.
// The device runs on its own clock: a playback device (a sink) consumes one
// period of frames per period, a capture device (a source) produces one.
// Between that clock and the process sits a ring of `buffer_periods`
// periods:
//   - playback: Write copies whole frames into the ring (kShouldWait and
//     kWritable clear while it is full); a period boundary that finds the
//     ring short is an underrun: the device plays silence for the missing
//     frames and counts an xrun;
//   - capture: Read takes whole frames out of the ring (kShouldWait and
//     kReadable clear while it is empty); a period the ring has no room for
//     is an overrun: the oldest frames are overwritten and counted as an
//     xrun and as frames lost.
// Nothing is ever dropped silently: every xrun is counted in Status, and a
// Read right after an overrun reports the frames lost (AudioRead::lost).
//
// Asynchronous: every operation is an `...Async` virtual with a blocking form
// of the plain name beside it (kernel/object/object.h). A local device
// answers at once; a proxied one when the node serving it does.
//
// Rights: Info and Status need none, Configure kManage, Start, Stop and Drain
// kWrite on a sink and kRead on a source, Write kWrite, Read kRead.
//
// Threading: every operation is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/base/result.h"
#include "kernel/object/object.h"

namespace shoal::rdev {

template <typename T>
using Ref = kernel::Ref<T>;

// Which way samples flow. Values are stable (wire and guest ABI).
enum class AudioDirection : uint8_t {
  kPlayback = 1,  // A sink: the process writes, the device plays.
  kCapture = 2,   // A source: the device captures, the process reads.
};

// How one sample is stored, little-endian, channels interleaved. Values are
// stable (wire and guest ABI).
enum class SampleFormat : uint8_t {
  kS16 = 1,  // Signed 16-bit.
  kF32 = 2,  // IEEE float in [-1, 1].
};
constexpr uint8_t kMaxSampleFormat = 2;

// "s16", "f32"; "unknown" outside the enum. And back (nullopt if unknown).
std::string_view SampleFormatName(SampleFormat format);
std::optional<SampleFormat> ParseSampleFormat(std::string_view name);

// How the device streams: sample format, rate, channels and the period (the
// unit the device's clock moves by), and how many periods the ring holds.
struct AudioConfig {
  SampleFormat format = SampleFormat::kS16;
  uint32_t rate = 48000;         // Frames per second.
  uint32_t channels = 2;         // 1..8.
  uint32_t period_frames = 240;  // 5 ms at 48 kHz.
  uint32_t buffer_periods = 4;   // 2..64.
  friend bool operator==(const AudioConfig&, const AudioConfig&) = default;
};

// Bounds every device accepts; a device may accept less (AudioInfo).
constexpr uint32_t kMinAudioRate = 8000;
constexpr uint32_t kMaxAudioRate = 192000;
constexpr uint32_t kMaxAudioChannels = 8;
constexpr uint32_t kMinPeriodFrames = 16;
constexpr uint32_t kMaxPeriodFrames = 8192;
constexpr uint32_t kMinBufferPeriods = 2;
constexpr uint32_t kMaxBufferPeriods = 64;

// Bytes of one sample of `format` (0 outside the enum), and of one frame
// (all channels of one sample instant) of `config`.
size_t SampleBytes(SampleFormat format);
size_t FrameBytes(const AudioConfig& config);
// kInvalidArgs, saying which field, for a configuration outside the bounds
// above (an unknown format too).
VoidResult CheckAudioConfig(const AudioConfig& config);
// "s16 48000x2 period 240x4" (the text the CLI and the guest ABI show), and back.
std::string FormatAudioConfig(const AudioConfig& config);
Result<AudioConfig> ParseAudioConfig(std::string_view text);

// What an audio device is and can do.
struct AudioInfo {
  std::string name;    // "Synthetic tone", "WAV sink", or the ALSA card name.
  std::string driver;  // "synthetic", "wav", "alsa".
  AudioDirection direction = AudioDirection::kPlayback;
  std::vector<SampleFormat> formats;  // Accepted sample formats.
  std::vector<uint32_t> rates;        // Accepted rates.
  uint32_t max_channels = 2;
  AudioConfig config;  // The current configuration.
};

// What the stream is doing now.
struct AudioStatus {
  bool started = false;  // This handle's stream runs.
  bool busy = false;     // Another handle's stream runs.
  uint64_t frames = 0;   // Played (sink) or captured (source) since Start.
  uint64_t queued_frames =
      0;  // In the ring now: written and not yet played, or captured and not yet read.
  uint64_t latency_ns =
      0;               // What a frame written (read) now waits (waited) in the ring and the device.
  uint64_t xruns = 0;  // Underruns (sink) or overruns (source) since Start.
  uint64_t frames_lost = 0;  // Source: frames overwritten by overruns since Start.
};

// What one Read gives.
struct AudioRead {
  std::vector<uint8_t> bytes;  // Whole frames, oldest first.
  uint64_t lost = 0;           // Frames lost to overruns just before these.
};

// An open audio device (above). Local devices (rdev/synthetic_audio.h) and
// the proxy of a device on another node (kernel/remote) implement it.
class AudioOps : public kernel::KernelObject {
 public:
  static constexpr kernel::ObjectType kType = kernel::ObjectType::kAudio;
  // The most bytes one Write or Read moves.
  static constexpr size_t kMaxTransfer = 64 * 1024;

  using InfoDone = std::function<void(Result<AudioInfo> info)>;
  using StatusDone = std::function<void(Result<AudioStatus> status)>;
  using Done = std::function<void(VoidResult result)>;
  using WriteDone = std::function<void(Result<size_t> frames)>;
  using ReadDone = std::function<void(Result<AudioRead> read)>;

  // Which way this device streams; known without asking it, so the host calls
  // can check rights (StreamRights) before they call.
  virtual AudioDirection direction() const = 0;
  // The right Start, Stop and Drain need on this device: kWrite on a sink,
  // kRead on a source.
  kernel::Rights StreamRights() const {
    return direction() == AudioDirection::kPlayback ? kernel::Rights::kWrite
                                                    : kernel::Rights::kRead;
  }

  virtual void InfoAsync(InfoDone done) = 0;
  virtual void StatusAsync(StatusDone done) = 0;

  // Sets the configuration (kInvalidArgs outside Info's formats, rates and
  // channels, or a period or ring out of range). kBadState while a stream runs.
  virtual void ConfigureAsync(const AudioConfig& config, Done done) = 0;

  // Starts or stops this handle's stream (kBadState when another handle's
  // runs). Start on a started stream and Stop on a stopped one succeed and
  // do nothing. Stop drops what the ring holds (Drain first to play it out).
  virtual void StartAsync(Done done) = 0;
  virtual void StopAsync(Done done) = 0;

  // Sink: completes once every frame written has been played (at once when
  // the ring is empty). kWrongType on a source.
  virtual void DrainAsync(Done done) = 0;

  // Sink: copies the longest whole-frame prefix of `bytes` (at most
  // kMaxTransfer) that fits the ring and answers its length in frames.
  // kShouldWait when none fits, kBadState before Start, kInvalidArgs for a
  // length that is not whole frames, kWrongType on a source. `bytes` need
  // stay valid only until WriteAsync returns.
  virtual void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) = 0;

  // Source: takes up to `max_bytes` (rounded down to whole frames, at most
  // kMaxTransfer) from the ring. kShouldWait when it is empty, kBadState
  // before Start, kWrongType on a sink.
  virtual void ReadAsync(size_t max_bytes, ReadDone done) = 0;

  // Blocking forms (kernel/object/object.h): never on a scheduler worker.
  Result<AudioInfo> Info() {
    return Await<Result<AudioInfo>>([&](InfoDone done) { InfoAsync(std::move(done)); });
  }
  Result<AudioStatus> Status() {
    return Await<Result<AudioStatus>>([&](StatusDone done) { StatusAsync(std::move(done)); });
  }
  VoidResult Configure(const AudioConfig& config) {
    return Await<VoidResult>([&](Done done) { ConfigureAsync(config, std::move(done)); });
  }
  VoidResult Start() {
    return Await<VoidResult>([&](Done done) { StartAsync(std::move(done)); });
  }
  VoidResult Stop() {
    return Await<VoidResult>([&](Done done) { StopAsync(std::move(done)); });
  }
  VoidResult Drain() {
    return Await<VoidResult>([&](Done done) { DrainAsync(std::move(done)); });
  }
  Result<size_t> Write(std::span<const uint8_t> bytes) {
    return Await<Result<size_t>>([&](WriteDone done) { WriteAsync(bytes, std::move(done)); });
  }
  Result<AudioRead> Read(size_t max_bytes) {
    return Await<Result<AudioRead>>([&](ReadDone done) { ReadAsync(max_bytes, std::move(done)); });
  }

 protected:
  using KernelObject::KernelObject;
};

}  // namespace shoal::rdev
