// Audio configurations, information and status on the wire (Audio in
// object_rpc.capnp), shared by the audio server and its proxy.
//
// Readers check what the bytes alone can tell: a sample format or direction
// outside rdev's enums is kMalformed (a peer that sends one breaks the
// protocol); whether a configuration is one the device accepts is the
// device's call (CheckAudioConfig, Configure).
#pragma once

#include "kernel/base/result.h"
#include "proto/object_rpc.capnp.h"
#include "rdev/audio.h"

namespace shoal::kernel::remote {

void WriteAudioConfig(const rdev::AudioConfig& config, proto::rpc::AudioConfig::Builder out);
Result<rdev::AudioConfig> ReadAudioConfig(proto::rpc::AudioConfig::Reader in);

void WriteAudioInfo(const rdev::AudioInfo& info, proto::rpc::AudioInfo::Builder out);
Result<rdev::AudioInfo> ReadAudioInfo(proto::rpc::AudioInfo::Reader in);

void WriteAudioStatus(const rdev::AudioStatus& status, proto::rpc::AudioStatus::Builder out);
rdev::AudioStatus ReadAudioStatus(proto::rpc::AudioStatus::Reader in);

}  // namespace shoal::kernel::remote
