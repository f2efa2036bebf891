// audio_info, audio_configure, audio_start, audio_stop, audio_drain,
// audio_write, audio_read, audio_status (rdev/audio.h, docs/devices.md).
//
// As for the camera, every audio operation may complete later (a device on
// another node, or a Drain that waits for the ring to play out), so each
// runs through the process's PendingCall (AbiCall::RunPending); kShouldWait
// from audio_write or audio_read is an answer, after which SHOAL_WAIT parks
// the caller on the handle's signals.
#include <algorithm>
#include <string>

#include "kernel/abi/abi.h"
#include "kernel/base/little_endian.h"
#include "rdev/audio.h"

namespace shoal::kernel::abi {
namespace {

using rdev::AudioConfig;
using rdev::AudioOps;

// The bytes audio_status stores (shoal_audio_status_t): u32 started,
// u32 busy, u64 frames, u64 queued_frames, u64 latency_ns, u64 xruns,
// u64 frames_lost, little-endian.
constexpr uint32_t kStatusBytes = 48;

// The most a description may take, as for device_describe.
constexpr size_t kMaxInfoBytes = 64 * 1024;

std::string Joined(const auto& items, auto format) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += ';';
    text += format(item);
  }
  return text;
}

// The guest's view of AudioInfo, one "key=value\n" per line in this order.
std::string InfoText(const rdev::AudioInfo& info) {
  std::string formats =
      Joined(info.formats, [](rdev::SampleFormat f) { return std::string(SampleFormatName(f)); });
  std::string rates = Joined(info.rates, [](uint32_t rate) { return std::to_string(rate); });
  return "name=" + info.name + "\ndriver=" + info.driver + "\ndirection=" +
         (info.direction == rdev::AudioDirection::kPlayback ? "playback" : "capture") +
         "\nconfig=" + rdev::FormatAudioConfig(info.config) +
         "\nframe_bytes=" + std::to_string(rdev::FrameBytes(info.config)) + "\nformats=" + formats +
         "\nrates=" + rates + "\nmax_channels=" + std::to_string(info.max_channels) + "\n";
}

// One key type per call (kernel/base/pending_call.h), naming the handle's
// object and every argument that decides the outcome (see camera_calls.cc).
using InfoKey = PendingKey<struct InfoTag, const AudioOps*>;
using StatusKey = PendingKey<struct StatusTag, const AudioOps*>;
using ConfigureKey = PendingKey<struct ConfigureTag, const AudioOps*, uint32_t, uint32_t, uint32_t,
                                uint32_t, uint32_t>;
using StartKey = PendingKey<struct StartTag, const AudioOps*>;
using StopKey = PendingKey<struct StopTag, const AudioOps*>;
using DrainKey = PendingKey<struct DrainTag, const AudioOps*>;
using WriteKey = PendingKey<struct WriteTag, const AudioOps*, uint32_t, uint32_t>;
using ReadKey = PendingKey<struct ReadTag, const AudioOps*, uint32_t>;

// The device of handle `value`, which needs `rights`, or StreamRights when
// `rights` is nullopt.
Result<Ref<AudioOps>> Device(AbiCall& c, uint32_t value, std::optional<Rights> rights) {
  Ref<AudioOps> audio = TRY(c.process.handles().Get<AudioOps>(value, Rights::kNone));
  return c.process.handles().Get<AudioOps>(value, rights.value_or(audio->StreamRights()));
}

// audio_start, audio_stop and audio_drain: `op` on the device, which needs
// StreamRights.
template <typename Key>
Result<int32_t> RunStreamCall(AbiCall& c, void (AudioOps::*op)(AudioOps::Done)) {
  Ref<AudioOps> audio = TRY(Device(c, c.U32(0), std::nullopt));
  std::optional<VoidResult> done = c.RunPending<VoidResult>(
      Key(audio.get()), [&](auto done) { ((*audio).*op)(std::move(done)); });
  if (!done) return 0;  // Parked until the device answers.
  TRY(std::move(*done));
  return 0;
}

}  // namespace

// audio_info(h, buf, cap) -> the text's full length; its first
// min(cap, length) bytes at buf. Needs no right.
Result<int32_t> AudioGetInfo(AbiCall& c) {
  Ref<AudioOps> audio = TRY(Device(c, c.U32(0), Rights::kNone));
  uint32_t buf_ptr = c.U32(1), cap = c.U32(2);
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, cap));
  std::optional<Result<rdev::AudioInfo>> info = c.RunPending<Result<rdev::AudioInfo>>(
      InfoKey(audio.get()), [&](auto done) { audio->InfoAsync(std::move(done)); });
  if (!info) return 0;  // Parked until the device answers.
  std::string text = InfoText(TRY(std::move(*info)));
  if (text.size() > kMaxInfoBytes) {
    return MakeError(Status::kOutOfBounds, "audio description over 64 KiB");
  }
  std::copy_n(text.begin(), std::min<size_t>(cap, text.size()), buf.begin());
  return int32_t(text.size());
}

// audio_status(h, status_ptr) -> 0, the 48-byte status at status_ptr.
// Needs no right.
Result<int32_t> AudioGetStatus(AbiCall& c) {
  Ref<AudioOps> audio = TRY(Device(c, c.U32(0), Rights::kNone));
  std::span<uint8_t> out = TRY(c.Bytes(c.U32(1), kStatusBytes));
  std::optional<Result<rdev::AudioStatus>> status = c.RunPending<Result<rdev::AudioStatus>>(
      StatusKey(audio.get()), [&](auto done) { audio->StatusAsync(std::move(done)); });
  if (!status) return 0;  // Parked until the device answers.
  rdev::AudioStatus s = TRY(std::move(*status));
  StoreLittleEndian(&out[0], s.started, 4);
  StoreLittleEndian(&out[4], s.busy, 4);
  StoreLittleEndian(&out[8], s.frames, 8);
  StoreLittleEndian(&out[16], s.queued_frames, 8);
  StoreLittleEndian(&out[24], s.latency_ns, 8);
  StoreLittleEndian(&out[32], s.xruns, 8);
  StoreLittleEndian(&out[40], s.frames_lost, 8);
  return 0;
}

// audio_configure(h, format, rate, channels, period_frames, buffer_periods)
// -> 0. Needs kManage. -4 for a format outside SHOAL_AUDIO_*, a value out of
// range or one the device does not accept; -20 while a stream runs.
Result<int32_t> AudioConfigure(AbiCall& c) {
  Ref<AudioOps> audio = TRY(Device(c, c.U32(0), Rights::kManage));
  uint32_t format = c.U32(1);
  if (format == 0 || format > rdev::kMaxSampleFormat) {
    return MakeError(Status::kInvalidArgs, "unknown sample format " + std::to_string(format));
  }
  AudioConfig config{rdev::SampleFormat(format), c.U32(2), c.U32(3), c.U32(4), c.U32(5)};
  std::optional<VoidResult> done =
      c.RunPending<VoidResult>(ConfigureKey(audio.get(), format, config.rate, config.channels,
                                            config.period_frames, config.buffer_periods),
                               [&](auto done) { audio->ConfigureAsync(config, std::move(done)); });
  if (!done) return 0;  // Parked until the device answers.
  TRY(std::move(*done));
  return 0;
}

// audio_start(h) -> 0 (-20 while another handle streams); audio_stop(h) -> 0,
// dropping what the ring holds; audio_drain(h) -> 0 once every frame written
// has played (the caller parks meanwhile; -3 on a source). Each needs
// SHOAL_RIGHT_WRITE on a sink, SHOAL_RIGHT_READ on a source.
Result<int32_t> AudioStart(AbiCall& c) { return RunStreamCall<StartKey>(c, &AudioOps::StartAsync); }
Result<int32_t> AudioStop(AbiCall& c) { return RunStreamCall<StopKey>(c, &AudioOps::StopAsync); }
Result<int32_t> AudioDrain(AbiCall& c) { return RunStreamCall<DrainKey>(c, &AudioOps::DrainAsync); }

// audio_write(h, flags, buf, len) -> the frames accepted (a whole-frame
// prefix). Needs kWrite. -20 before audio_start, -4 for a length that is not
// whole frames; a full ring: -8, or park with SHOAL_WAIT until kWritable.
Result<int32_t> AudioWrite(AbiCall& c) {
  Ref<AudioOps> audio = TRY(Device(c, c.U32(0), Rights::kWrite));
  uint32_t flags = c.U32(1), buf_ptr = c.U32(2), len = c.U32(3);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, len));
  std::optional<Result<size_t>> frames =
      c.RunPending<Result<size_t>>(WriteKey(audio.get(), buf_ptr, len),
                                   [&](auto done) { audio->WriteAsync(buf, std::move(done)); });
  if (!frames) return 0;  // Parked until the device answers.
  if (!frames->ok()) return c.WaitOrFail(frames->error(), flags, audio, Signals::kWritable);
  return int32_t(**frames);
}

// audio_read(h, flags, buf, cap, lost_ptr) -> the bytes read (whole frames),
// and at lost_ptr the u64 count of frames lost to overruns just before them.
// Needs kRead. Both ranges are checked before frames are taken, so a bad
// pointer loses none. -20 before audio_start, -4 for a cap under one frame;
// an empty ring: -8, or park with SHOAL_WAIT until kReadable.
Result<int32_t> AudioRead(AbiCall& c) {
  Ref<AudioOps> audio = TRY(Device(c, c.U32(0), Rights::kRead));
  uint32_t flags = c.U32(1), buf_ptr = c.U32(2), lost_ptr = c.U32(4);
  uint32_t cap = std::min<uint32_t>(c.U32(3), AudioOps::kMaxTransfer);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  std::span<uint8_t> buf = TRY(c.Bytes(buf_ptr, cap));
  std::span<uint8_t> lost = TRY(c.Bytes(lost_ptr, 8));
  std::optional<Result<rdev::AudioRead>> read = c.RunPending<Result<rdev::AudioRead>>(
      ReadKey(audio.get(), cap), [&](auto done) { audio->ReadAsync(cap, std::move(done)); });
  if (!read) return 0;  // Parked until the device answers.
  if (!read->ok()) return c.WaitOrFail(read->error(), flags, audio, Signals::kReadable);
  const std::vector<uint8_t>& bytes = (*read)->bytes;
  if (bytes.size() > cap) return MakeError(Status::kInternal, "audio read overran");
  std::copy(bytes.begin(), bytes.end(), buf.begin());
  StoreLittleEndian(&lost[0], (*read)->lost, 8);
  return int32_t(bytes.size());
}

}  // namespace shoal::kernel::abi
