/* tone DEVICE SECONDS [HZ]: plays a HZ sine (440 unless given) for SECONDS
 * on the playback device at DEVICE ("/dev/audio0"), s16 48000x2 with a ring
 * of 4 periods of 240 frames, drains it and prints the frames written and
 * the underruns. Exits 2 for bad arguments, 3 when the device fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "audio_util.h"

enum { kRate = 48000, kChannels = 2, kPeriod = 240, kPeriods = 4 };

/* Sample n of the tone: Bhaskara's rational sine at half scale, in integers
 * only, so a test can compute the same samples exactly
 * (kernel/abi/audio_calls_test.cc). */
static int16_t tone_sample(uint64_t n, uint32_t hz) {
  int64_t half = kRate / 2;
  int64_t p = (int64_t)((n * hz) % kRate);
  int64_t q = p % half, x = q * (half - q);
  int64_t value = 16384 * 16 * x / (5 * half * half - 4 * x);
  return (int16_t)(p < half ? value : -value);
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: tone DEVICE SECONDS [HZ]\n");
    return 2;
  }
  int seconds = atoi(argv[2]);
  int hz = argc == 4 ? atoi(argv[3]) : 440;
  if (seconds <= 0 || hz <= 0 || hz > 20000) {
    fprintf(stderr, "tone: bad seconds or frequency\n");
    return 2;
  }
  shoal_handle_t audio;
  if (open_audio("tone", argv[1], SHOAL_RIGHT_WRITE | SHOAL_RIGHT_WAIT | SHOAL_RIGHT_MANAGE,
                 &audio) < 0) {
    return 3;
  }
  int32_t r = shoal_audio_configure(audio, SHOAL_AUDIO_S16, kRate, kChannels, kPeriod, kPeriods);
  if (r < 0 || (r = shoal_audio_start(audio)) < 0) {
    fprintf(stderr, "tone: cannot start %s: %d (%s)\n", argv[1], r, shoal_status_text(r));
    return 3;
  }
  static int16_t period[kPeriod * kChannels];
  uint64_t total = (uint64_t)seconds * kRate, written = 0;
  while (written < total) {
    uint32_t frames = total - written < kPeriod ? (uint32_t)(total - written) : kPeriod;
    for (uint32_t i = 0; i < frames; ++i) {
      int16_t s = tone_sample(written + i, (uint32_t)hz);
      for (int c = 0; c < kChannels; ++c) period[i * kChannels + c] = s;
    }
    /* A write may take a prefix; the rest is written next time round. */
    r = shoal_audio_write(audio, SHOAL_WAIT, period, frames * kChannels * 2);
    if (r < 0) {
      fprintf(stderr, "tone: write failed: %d (%s)\n", r, shoal_status_text(r));
      return 3;
    }
    written += (uint32_t)r;
  }
  shoal_audio_status_t status;
  if ((r = shoal_audio_drain(audio)) < 0 || (r = shoal_audio_status(audio, &status)) < 0) {
    fprintf(stderr, "tone: drain failed: %d (%s)\n", r, shoal_status_text(r));
    return 3;
  }
  printf("tone: frames=%llu xruns=%llu\n", (unsigned long long)written,
         (unsigned long long)status.xruns);
  return 0;
}
