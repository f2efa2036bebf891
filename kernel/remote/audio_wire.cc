#include "kernel/remote/audio_wire.h"

#include <string>

namespace shoal::kernel::remote {
namespace {

Result<rdev::SampleFormat> ReadSampleFormat(uint8_t format) {
  if (format == 0 || format > rdev::kMaxSampleFormat) {
    return MakeError(Status::kMalformed,
                     "an audio message has unknown sample format " + std::to_string(format));
  }
  return rdev::SampleFormat(format);
}

}  // namespace

void WriteAudioConfig(const rdev::AudioConfig& config, proto::rpc::AudioConfig::Builder out) {
  out.setFormat(uint8_t(config.format));
  out.setRate(config.rate);
  out.setChannels(config.channels);
  out.setPeriodFrames(config.period_frames);
  out.setBufferPeriods(config.buffer_periods);
}

Result<rdev::AudioConfig> ReadAudioConfig(proto::rpc::AudioConfig::Reader in) {
  rdev::AudioConfig config;
  config.format = TRY(ReadSampleFormat(in.getFormat()));
  config.rate = in.getRate();
  config.channels = in.getChannels();
  config.period_frames = in.getPeriodFrames();
  config.buffer_periods = in.getBufferPeriods();
  return config;
}

void WriteAudioInfo(const rdev::AudioInfo& info, proto::rpc::AudioInfo::Builder out) {
  out.setName(info.name);
  out.setDriver(info.driver);
  out.setDirection(uint8_t(info.direction));
  auto formats = out.initFormats(uint32_t(info.formats.size()));
  for (uint32_t i = 0; i < formats.size(); ++i) formats.set(i, uint8_t(info.formats[i]));
  auto rates = out.initRates(uint32_t(info.rates.size()));
  for (uint32_t i = 0; i < rates.size(); ++i) rates.set(i, info.rates[i]);
  out.setMaxChannels(info.max_channels);
  WriteAudioConfig(info.config, out.initConfig());
}

Result<rdev::AudioInfo> ReadAudioInfo(proto::rpc::AudioInfo::Reader in) {
  rdev::AudioInfo info;
  info.name = in.getName().cStr();
  info.driver = in.getDriver().cStr();
  uint8_t direction = in.getDirection();
  if (direction != uint8_t(rdev::AudioDirection::kPlayback) &&
      direction != uint8_t(rdev::AudioDirection::kCapture)) {
    return MakeError(Status::kMalformed,
                     "an audio info has unknown direction " + std::to_string(direction));
  }
  info.direction = rdev::AudioDirection(direction);
  for (uint8_t format : in.getFormats()) info.formats.push_back(TRY(ReadSampleFormat(format)));
  for (uint32_t rate : in.getRates()) info.rates.push_back(rate);
  info.max_channels = in.getMaxChannels();
  info.config = TRY(ReadAudioConfig(in.getConfig()));
  return info;
}

void WriteAudioStatus(const rdev::AudioStatus& status, proto::rpc::AudioStatus::Builder out) {
  out.setStarted(status.started);
  out.setBusy(status.busy);
  out.setFrames(status.frames);
  out.setQueuedFrames(status.queued_frames);
  out.setLatencyNs(status.latency_ns);
  out.setXruns(status.xruns);
  out.setFramesLost(status.frames_lost);
}

rdev::AudioStatus ReadAudioStatus(proto::rpc::AudioStatus::Reader in) {
  rdev::AudioStatus status;
  status.started = in.getStarted();
  status.busy = in.getBusy();
  status.frames = in.getFrames();
  status.queued_frames = in.getQueuedFrames();
  status.latency_ns = in.getLatencyNs();
  status.xruns = in.getXruns();
  status.frames_lost = in.getFramesLost();
  return status;
}

}  // namespace shoal::kernel::remote
