/* record DEVICE SECONDS OUT: captures SECONDS of s16 48000x2 from the capture
 * device at DEVICE ("/dev/mic0") into the WAV file OUT (a path in a directory
 * the process was given, `shoal run --dir`), and prints the frames, the
 * overruns and the frames lost. Exits 2 for bad arguments, 3 when the device
 * fails, 4 when OUT cannot be written, 5 when any frame was lost. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "audio_util.h"

enum { kRate = 48000, kChannels = 2, kPeriod = 240, kPeriods = 64 };

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
    frames += (uint64_t)r / (kChannels * 2);
  }
  shoal_audio_status_t status;
  if ((r = shoal_audio_status(audio, &status)) < 0) return 3;
  if (fclose(out) != 0) return 4;
  printf("record: frames=%llu xruns=%llu lost=%llu\n", (unsigned long long)frames,
         (unsigned long long)status.xruns, (unsigned long long)lost);
  return lost > 0 ? 5 : 0;
}
