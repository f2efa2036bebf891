/* record DEVICE SECONDS OUT: captures SECONDS of s16 48000x2 from the capture
 * device at DEVICE ("/dev/mic0") into the WAV file OUT (a path in a directory
 * the process was given, `shoal run --dir`), and prints the frames, the
 * overruns, the frames lost, and what it heard on the left channel: the peak
 * sample and the frequency of a tone in it, from the zero crossings of its
 * loud stretches (tone_hz=0 when nothing was loud):
 *   record: frames=F xruns=X lost=L peak=P tone_hz=H
 * Exits 2 for bad arguments, 3 when the device fails, 4 when OUT cannot be
 * written, 5 when any frame was lost. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "audio_util.h"

enum { kRate = 48000, kChannels = 2, kPeriod = 240, kPeriods = 64 };

/* A stretch this loud (an eighth of full scale) holds a tone, not noise. */
enum { kLoud = 4096 };
/* This many zero samples in a row are a gap (an underrun's silence played
 * into a loopback), not a tone passing through zero. */
enum { kGap = 16 };

/* What the left channel held: its peak, and for the tone's frequency, the
 * half cycles (between zero crossings) of its loud stretches and the frames
 * they span. A stretch ends at a gap, so silence inserted into a tone does
 * not count as time the tone took. */
typedef struct {
  int peak;
  uint64_t half_cycles, span;
  /* The stretch being heard. */
  uint64_t frame, zeros, first_crossing, last_crossing, crossings;
  int sign, stretch_peak;
} heard_t;

static void end_stretch(heard_t* h) {
  if (h->stretch_peak >= kLoud && h->crossings >= 2) {
    h->half_cycles += h->crossings - 1;
    h->span += h->last_crossing - h->first_crossing;
  }
  h->crossings = 0;
  h->sign = 0;
  h->stretch_peak = 0;
}

static void hear(heard_t* h, int16_t left) {
  int magnitude = left < 0 ? -left : left;
  if (magnitude > h->peak) h->peak = magnitude;
  if (magnitude > h->stretch_peak) h->stretch_peak = magnitude;
  if (left == 0) {
    if (++h->zeros == kGap) end_stretch(h);
  } else {
    int sign = left > 0 ? 1 : -1;
    h->zeros = 0;
    if (h->sign != 0 && sign != h->sign) {
      if (h->crossings == 0) h->first_crossing = h->frame;
      h->last_crossing = h->frame;
      h->crossings++;
    }
    h->sign = sign;
  }
  h->frame++;
}

/* Two zero crossings a cycle; 0 when no loud stretch held a cycle. */
static unsigned tone_hz(heard_t* h) {
  end_stretch(h);
  if (h->span == 0) return 0;
  return (unsigned)((h->half_cycles * kRate + h->span) / (2 * h->span));
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: record DEVICE SECONDS OUT\n");
    return 2;
  }
  int seconds = atoi(argv[2]);
  if (seconds <= 0) {
    fprintf(stderr, "record: bad seconds\n");
    return 2;
  }
  FILE* out = fopen(argv[3], "wb");
  if (out == NULL) {
    fprintf(stderr, "record: cannot create %s\n", argv[3]);
    return 4;
  }
  uint8_t header[44];
  uint64_t total = (uint64_t)seconds * kRate;
  wav_header(header, kRate, kChannels, (uint32_t)(total * kChannels * 2));
  if (fwrite(header, 1, sizeof header, out) != sizeof header) return 4;
  shoal_handle_t audio;
  if (open_audio("record", argv[1], SHOAL_RIGHT_READ | SHOAL_RIGHT_WAIT | SHOAL_RIGHT_MANAGE,
                 &audio) < 0) {
    return 3;
  }
  int32_t r = shoal_audio_configure(audio, SHOAL_AUDIO_S16, kRate, kChannels, kPeriod, kPeriods);
  if (r < 0 || (r = shoal_audio_start(audio)) < 0) {
    fprintf(stderr, "record: cannot start %s: %d (%s)\n", argv[1], r, shoal_status_text(r));
    return 3;
  }
  static uint8_t buf[kPeriod * kPeriods * kChannels * 2];
  uint64_t frames = 0, lost = 0;
  heard_t heard = {0};
  while (frames < total) {
    uint64_t want = (total - frames) * kChannels * 2;
    uint64_t lost_now = 0;
    r = shoal_audio_read(audio, SHOAL_WAIT, buf, want < sizeof buf ? (uint32_t)want : sizeof buf,
                         &lost_now);
    if (r < 0) {
      fprintf(stderr, "record: read failed: %d (%s)\n", r, shoal_status_text(r));
      return 3;
    }
    lost += lost_now;
    if (fwrite(buf, 1, (size_t)r, out) != (size_t)r) return 4;
    for (int32_t at = 0; at + kChannels * 2 <= r; at += kChannels * 2) {
      hear(&heard, (int16_t)(buf[at] | buf[at + 1] << 8));
    }
    frames += (uint64_t)r / (kChannels * 2);
  }
  shoal_audio_status_t status;
  if ((r = shoal_audio_status(audio, &status)) < 0) return 3;
  if (fclose(out) != 0) return 4;
  printf("record: frames=%llu xruns=%llu lost=%llu peak=%d tone_hz=%u\n",
         (unsigned long long)frames, (unsigned long long)status.xruns, (unsigned long long)lost,
         heard.peak, tone_hz(&heard));
  return lost > 0 ? 5 : 0;
}
