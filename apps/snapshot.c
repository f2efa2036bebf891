/* snapshot DEVICE OUT [MODE]: saves one frame of the camera at DEVICE
 * ("/dev/video0"), in MODE if given ("yuyv 640x480 30/1", one argument), as
 * a binary PPM (P6) file OUT, converting YUYV to RGB; an MJPEG frame is
 * saved as the JPEG file it is. OUT is a path in a
 * directory the process was given (`shoal run --dir`). Exits 2 for bad
 * arguments, 3 when the camera fails, 4 when OUT cannot be written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "camera_util.h"

static uint8_t clamp(int value) { return value < 0 ? 0 : value > 255 ? 255 : (uint8_t)value; }

/* BT.601 limited range to RGB, the inverse of the synthetic camera's
 * conversion (rdev/synthetic_pattern.cc). */
static void yuv_to_rgb(int y, int u, int v, uint8_t* out) {
  int c = y - 16, d = u - 128, e = v - 128;
  out[0] = clamp((298 * c + 409 * e + 128) >> 8);
  out[1] = clamp((298 * c - 100 * d - 208 * e + 128) >> 8);
  out[2] = clamp((298 * c + 516 * d + 128) >> 8);
}

/* Converts a YUYV frame to RGB24 in place: rgb holds width * height * 3
 * bytes, yuyv the first width * height * 2 of them. Runs backwards so that
 * every pair is read before its bytes are overwritten. */
static void yuyv_to_rgb_in_place(uint8_t* rgb, uint32_t pixels) {
  for (uint32_t pair = pixels / 2; pair-- > 0;) {
    const uint8_t* in = rgb + (size_t)pair * 4;
    int y0 = in[0], u = in[1], y1 = in[2], v = in[3];
    uint8_t* out = rgb + (size_t)pair * 6;
    yuv_to_rgb(y1, u, v, out + 3);
    yuv_to_rgb(y0, u, v, out);
  }
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: snapshot DEVICE OUT [MODE]\n");
    return 2;
  }
  camera_mode_t mode;
  if (argc == 4 && parse_mode(argv[3], &mode) != 0) {
    fprintf(stderr, "snapshot: bad mode \"%s\"\n", argv[3]);
    return 2;
  }
  uint32_t rights = SHOAL_RIGHT_READ | SHOAL_RIGHT_WAIT | (argc == 4 ? SHOAL_RIGHT_MANAGE : 0);
  shoal_handle_t cam;
  if (open_camera("snapshot", argv[1], rights, &cam) < 0) return 3;
  int32_t r;
  if (argc == 4 && (r = shoal_camera_configure(cam, mode.format, mode.width, mode.height,
                                               mode.rate_num, mode.rate_den)) < 0) {
    fprintf(stderr, "snapshot: cannot set mode \"%s\": %d (%s)\n", argv[3], r,
            shoal_status_text(r));
    return 3;
  }
  static char info[4096];
  uint32_t frame_bytes = 0;
  if (read_camera_info(cam, info, sizeof info) < 0 || info_mode(info, &mode, &frame_bytes) != 0) {
    fprintf(stderr, "snapshot: %s answers no usable camera_info\n", argv[1]);
    return 3;
  }
  uint32_t pixels = mode.width * mode.height;
  size_t rgb_bytes = (size_t)pixels * 3;
  uint8_t* frame = malloc(rgb_bytes > frame_bytes ? rgb_bytes : frame_bytes);
  if (frame == NULL) return 3;
  shoal_camera_meta_t meta;
  if ((r = shoal_camera_start(cam)) < 0 ||
      (r = shoal_camera_read(cam, SHOAL_WAIT, frame, frame_bytes, &meta)) < 0) {
    fprintf(stderr, "snapshot: cannot read a frame: %d (%s)\n", r, shoal_status_text(r));
    return 3;
  }
  shoal_camera_stop(cam);
  if (meta.format == SHOAL_PIXEL_YUYV) yuyv_to_rgb_in_place(frame, pixels);

  FILE* out = fopen(argv[2], "wb");
  if (out == NULL) {
    fprintf(stderr, "snapshot: cannot create %s\n", argv[2]);
    return 4;
  }
  /* A JPEG is kept as it came (r is its length); raw pixels become a PPM. */
  int jpeg = meta.format == SHOAL_PIXEL_MJPEG;
  size_t bytes = jpeg ? (size_t)r : rgb_bytes;
  if (!jpeg) fprintf(out, "P6\n%u %u\n255\n", meta.width, meta.height);
  if (fwrite(frame, 1, bytes, out) != bytes || fclose(out) != 0) {
    fprintf(stderr, "snapshot: cannot write %s\n", argv[2]);
    return 4;
  }
  printf("snapshot: frame %llu (%s %ux%u) to %s\n", (unsigned long long)meta.sequence,
         pixel_format_name(meta.format), meta.width, meta.height, argv[2]);
  return 0;
}
