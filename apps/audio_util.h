/* Helpers tone.c and record.c share: opening an audio device and the
 * canonical 44-byte WAV header. */
#ifndef SHOAL_APPS_AUDIO_UTIL_H_
#define SHOAL_APPS_AUDIO_UTIL_H_

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shoal/shoal.h"

static inline int32_t open_audio(const char* prog, const char* path, uint32_t rights,
                                 shoal_handle_t* audio) {
  int32_t r = shoal_namespace_open(path, (uint32_t)strlen(path), rights, audio);
  if (r < 0) fprintf(stderr, "%s: cannot open %s: %d\n", prog, path, r);
  return r;
}

static inline void put_le(uint8_t* out, uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = (uint8_t)(value >> (8 * i));
}

/* A PCM s16 WAV header for `data_bytes` of `channels` at `rate`. */
static inline void wav_header(uint8_t header[44], uint32_t rate, uint32_t channels,
                              uint32_t data_bytes) {
  memcpy(header, "RIFF", 4);
  put_le(header + 4, 36 + data_bytes, 4);
  memcpy(header + 8, "WAVEfmt ", 8);
  put_le(header + 16, 16, 4);
  put_le(header + 20, 1, 2);
  put_le(header + 22, channels, 2);
  put_le(header + 24, rate, 4);
  put_le(header + 28, rate * channels * 2, 4);
  put_le(header + 32, channels * 2, 2);
  put_le(header + 34, 16, 2);
  memcpy(header + 36, "data", 4);
  put_le(header + 40, data_bytes, 4);
}

#endif
