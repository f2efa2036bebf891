// ALSA audio devices: a PCM of the host's sound card (a real one, or
// snd-aloop in a simulator guest) as a LocalAudioDevice (audio_device.h), so
// it has the device's sessions, ring, xrun accounting and clock; the backend
// moves one period at a time between that clock and the PCM (docs/devices.md,
// "ALSA").
//
//   - Playback ("alsa-playback:PCM"): each period is written to the PCM,
//     which the backend opens at the stream's first period in the stream's
//     configuration, with a buffer of four periods, one of them silence
//     written ahead as a cushion against the two clocks' jitter; a Drain or
//     Stop drains the PCM and closes it, so the card is free between streams.
//   - Capture ("alsa-capture:PCM"): each period is read from the PCM, opened
//     and started the same way; what the card has not delivered within two
//     periods' time (a stalled card) is silence, so the device's clock, and a
//     Stop, never wait on the card for long.
// An xrun of the PCM itself is recovered at once (snd_pcm_recover); a PCM
// that fails (the card gone) is closed, and its periods are silence (played
// nowhere) until it opens again at the next stream.
#pragma once

#include <memory>
#include <string>

#include "kernel/base/result.h"
#include "rdev/audio_device.h"

namespace shoal::rdev {

// Opens the ALSA PCM named `pcm` ("hw:0,0", "hw:Loopback,1,0", "default")
// for `direction`, reads what it accepts (s16 and f32, the usual rates from
// 8 to 96 kHz, its channels up to 8) and closes it again until a stream
// starts. kNotFound when there is no such PCM; kInvalidArgs when it accepts
// none of those formats or rates; each says which.
Result<std::shared_ptr<LocalAudioDevice>> OpenAlsaDevice(AudioDirection direction,
                                                         const std::string& pcm);

}  // namespace shoal::rdev
