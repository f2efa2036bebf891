/* What camstat.c and snapshot.c share: opening a camera by path, its mode
 * text ("yuyv 640x480 30/1", as rdev/camera.h formats it) both ways, and the
 * synthetic camera's frame stamp (docs/devices.md), which must agree with
 * rdev/synthetic_pattern.h. */
#ifndef SHOAL_APPS_CAMERA_UTIL_H_
#define SHOAL_APPS_CAMERA_UTIL_H_

#include <shoal/shoal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct camera_mode {
  uint32_t format; /* SHOAL_PIXEL_* */
  uint32_t width, height, rate_num, rate_den;
} camera_mode_t;

static inline const char* pixel_format_name(uint32_t format) {
  switch (format) {
    case SHOAL_PIXEL_YUYV:
      return "yuyv";
    case SHOAL_PIXEL_MJPEG:
      return "mjpeg";
    case SHOAL_PIXEL_RGB24:
      return "rgb24";
  }
  return "unknown";
}

/* Parses "FORMAT WxH N/D"; 0 on success, -1 on anything else. */
static inline int parse_mode(const char* text, camera_mode_t* mode) {
  char format[16];
  char tail;
  if (sscanf(text, "%15s %ux%u %u/%u%c", format, &mode->width, &mode->height, &mode->rate_num,
             &mode->rate_den, &tail) != 5) {
    return -1;
  }
  for (uint32_t f = SHOAL_PIXEL_YUYV; f <= SHOAL_PIXEL_RGB24; ++f) {
    if (strcmp(format, pixel_format_name(f)) == 0) {
      mode->format = f;
      return 0;
    }
  }
  return -1;
}

/* Opens `path` as a camera session with `rights`; prints why not. */
static inline int32_t open_camera(const char* prog, const char* path, uint32_t rights,
                                  shoal_handle_t* cam) {
  int32_t r = shoal_namespace_open(path, (uint32_t)strlen(path), rights, cam);
  if (r < 0) fprintf(stderr, "%s: cannot open %s: %d\n", prog, path, r);
  return r;
}

/* The value of `key` in camera_info text, copied to out (NUL-terminated);
 * -1 when the key is missing. */
static inline int info_value(const char* info, const char* key, char* out, size_t cap) {
  size_t key_len = strlen(key);
  for (const char* line = info; *line != 0;) {
    const char* end = strchr(line, '\n');
    if (end == NULL) end = line + strlen(line);
    if ((size_t)(end - line) > key_len && strncmp(line, key, key_len) == 0 &&
        line[key_len] == '=') {
      size_t len = (size_t)(end - line) - key_len - 1;
      if (len >= cap) len = cap - 1;
      memcpy(out, line + key_len + 1, len);
      out[len] = 0;
      return 0;
    }
    line = *end != 0 ? end + 1 : end;
  }
  return -1;
}

/* The camera's camera_info text into info, NUL-terminated: its length, or a
 * negative status (SHOAL_ERR_OUT_OF_BOUNDS when it does not fit). */
static inline int32_t read_camera_info(shoal_handle_t cam, char* info, uint32_t cap) {
  int32_t len = shoal_camera_info(cam, info, cap - 1);
  if (len < 0) return len;
  if ((uint32_t)len >= cap) return SHOAL_ERR_OUT_OF_BOUNDS;
  info[len] = 0;
  return len;
}

/* The current mode and the bytes one frame of it takes, from camera_info
 * text; -1 when either is missing. */
static inline int info_mode(const char* info, camera_mode_t* mode, uint32_t* frame_bytes) {
  char value[64];
  if (info_value(info, "mode", value, sizeof value) != 0 || parse_mode(value, mode) != 0) return -1;
  if (info_value(info, "frame_bytes", value, sizeof value) != 0) return -1;
  *frame_bytes = (uint32_t)strtoul(value, NULL, 10);
  return *frame_bytes > 0 ? 0 : -1;
}

/* The synthetic camera's stamp: three little-endian u64, sequence,
 * capture_ns and a check word; the first 24 bytes of a YUYV or RGB24 frame,
 * and in an MJPEG frame the body of a comment segment right after the start
 * of image: FF D8 FF FE 00 1A, then the stamp (rdev/synthetic_pattern.h). */
#define SYNTHETIC_STAMP_BYTES 24u
#define SYNTHETIC_JPEG_STAMP_AT 6u
#define SYNTHETIC_STAMP_MAGIC 0x53484f414c43414dull /* "SHOALCAM" */

static inline uint64_t load_u64(const uint8_t* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= (uint64_t)in[i] << (8 * i);
  return value;
}

/* 0 when `frame` carries a stamp that checks and names `sequence` and
 * `capture_ns`; -1 otherwise. */
static inline int check_synthetic_stamp(uint32_t format, const uint8_t* frame, uint32_t len,
                                        uint64_t sequence, uint64_t capture_ns) {
  if (format == SHOAL_PIXEL_MJPEG) {
    static const uint8_t start[SYNTHETIC_JPEG_STAMP_AT] = {0xff, 0xd8, 0xff,
                                                           0xfe, 0x00, 2 + SYNTHETIC_STAMP_BYTES};
    if (len < SYNTHETIC_JPEG_STAMP_AT + SYNTHETIC_STAMP_BYTES ||
        memcmp(frame, start, sizeof start) != 0) {
      return -1;
    }
    frame += SYNTHETIC_JPEG_STAMP_AT;
    len -= SYNTHETIC_JPEG_STAMP_AT;
  }
  if (len < SYNTHETIC_STAMP_BYTES) return -1;
  uint64_t seq = load_u64(frame), ns = load_u64(frame + 8), check = load_u64(frame + 16);
  uint64_t expected = SYNTHETIC_STAMP_MAGIC ^ seq ^ (ns * 0x9e3779b97f4a7c15ull);
  return check == expected && seq == sequence && ns == capture_ns ? 0 : -1;
}

#endif /* SHOAL_APPS_CAMERA_UTIL_H_ */
