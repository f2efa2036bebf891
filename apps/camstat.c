/* camstat DEVICE N [MODE]: reads N frames from the camera at DEVICE
 * ("/dev/video0"), in MODE if given ("rgb24 320x240 15/1", one argument),
 * and reports the mode, the frame rate it measured and the latency from
 * capture to the frame being in this process's memory (p50, p99). Every
 * sequence gap, nonzero `dropped`, or synthetic stamp that does not check is
 * printed; then camstat exits 1. The last line is the summary:
 *   camstat: summary frames=N lost=L bad_stamps=B fps=F p50_us=A p99_us=B
 *            format=F width=W height=H rate=N/D unreported=U
 * where U counts the lost frames that no `dropped` reported (0 unless
 * something is wrong). Exits 2 for bad arguments, 3 when the camera fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "camera_util.h"

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void* a, const void* b) {
  uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
  return x < y ? -1 : x > y;
}

/* The q-th quantile (0..100) of n sorted values. */
static uint64_t quantile(const uint64_t* sorted, int n, int q) {
  int index = (n * q + 99) / 100 - 1;
  if (index < 0) index = 0;
  return sorted[index];
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: camstat DEVICE N [MODE]\n");
    return 2;
  }
  const char* device = argv[1];
  int n = atoi(argv[2]);
  if (n < 1 || n > 100000) {
    fprintf(stderr, "camstat: N must be 1..100000, not %s\n", argv[2]);
    return 2;
  }
  camera_mode_t wanted;
  if (argc == 4 && parse_mode(argv[3], &wanted) != 0) {
    fprintf(stderr, "camstat: bad mode \"%s\" (FORMAT WxH N/D, e.g. \"yuyv 640x480 30/1\")\n",
            argv[3]);
    return 2;
  }
  uint32_t rights = SHOAL_RIGHT_READ | SHOAL_RIGHT_WAIT | (argc == 4 ? SHOAL_RIGHT_MANAGE : 0);
  shoal_handle_t cam;
  if (open_camera("camstat", device, rights, &cam) < 0) return 3;
  int32_t r;
  if (argc == 4 && (r = shoal_camera_configure(cam, wanted.format, wanted.width, wanted.height,
                                               wanted.rate_num, wanted.rate_den)) < 0) {
    fprintf(stderr, "camstat: cannot set mode \"%s\": %d (%s)\n", argv[3], r, shoal_status_text(r));
    return 3;
  }
  camera_mode_t mode;
  uint32_t frame_bytes = 0;
  char driver[64] = "unknown";
  static char info[4096];
  int32_t info_len = read_camera_info(cam, info, sizeof info);
  if (info_len < 0 || info_mode(info, &mode, &frame_bytes) != 0) {
    fprintf(stderr, "camstat: %s answers no usable camera_info: %d\n", device, info_len);
    return 3;
  }
  int synthetic =
      info_value(info, "driver", driver, sizeof driver) == 0 && strcmp(driver, "synthetic") == 0;
  printf("camstat: %s mode %s %ux%u %u/%u, driver %s, %u bytes a frame\n", device,
         pixel_format_name(mode.format), mode.width, mode.height, mode.rate_num, mode.rate_den,
         driver, frame_bytes);

  uint8_t* frame = malloc(frame_bytes);
  uint64_t* latency_ns = malloc(sizeof(uint64_t) * (size_t)n);
  if (frame == NULL || latency_ns == NULL) return 3;
  if ((r = shoal_camera_start(cam)) < 0) {
    fprintf(stderr, "camstat: camera_start: %d (%s)\n", r, shoal_status_text(r));
    return 3;
  }
  /* unreported: frames missing from the sequence that no `dropped` owned up to. */
  uint64_t lost = 0, unreported = 0, bad_stamps = 0, previous = 0, first_ns = 0, last_ns = 0;
  for (int i = 0; i < n; ++i) {
    shoal_camera_meta_t meta;
    int32_t len = shoal_camera_read(cam, SHOAL_WAIT, frame, frame_bytes, &meta);
    uint64_t arrived = now_ns(CLOCK_REALTIME);
    if (len < 0) {
      fprintf(stderr, "camstat: camera_read after %d frames: %d\n", i, len);
      return 3;
    }
    last_ns = now_ns(CLOCK_MONOTONIC);
    if (i == 0) first_ns = last_ns;
    latency_ns[i] = arrived > meta.capture_ns ? arrived - meta.capture_ns : 0;
    if (meta.dropped != 0) {
      printf("camstat: %u frames dropped before frame %llu\n", meta.dropped,
             (unsigned long long)meta.sequence);
    }
    if (i > 0 && meta.sequence != previous + 1) {
      uint64_t missing = meta.sequence > previous ? meta.sequence - previous - 1 : 0;
      printf("camstat: gap: %llu frames lost between %llu and %llu\n", (unsigned long long)missing,
             (unsigned long long)previous, (unsigned long long)meta.sequence);
      lost += missing > meta.dropped ? missing : meta.dropped;
      unreported += missing > meta.dropped ? missing - meta.dropped : 0;
    } else {
      lost += meta.dropped;
    }
    if (synthetic && check_synthetic_stamp(meta.format, frame, (uint32_t)len, meta.sequence,
                                           meta.capture_ns) != 0) {
      printf("camstat: frame %llu: its stamp does not check\n", (unsigned long long)meta.sequence);
      ++bad_stamps;
    }
    previous = meta.sequence;
  }
  shoal_camera_stop(cam);

  double seconds = (double)(last_ns - first_ns) / 1e9;
  double fps = n > 1 && seconds > 0 ? (double)(n - 1) / seconds : 0;
  qsort(latency_ns, (size_t)n, sizeof(uint64_t), compare_u64);
  uint64_t p50 = quantile(latency_ns, n, 50) / 1000, p99 = quantile(latency_ns, n, 99) / 1000;
  printf("camstat: %d frames in %.3f s, %.2f fps, latency p50 %llu us, p99 %llu us\n", n, seconds,
         fps, (unsigned long long)p50, (unsigned long long)p99);
  printf(
      "camstat: summary frames=%d lost=%llu bad_stamps=%llu fps=%.2f p50_us=%llu p99_us=%llu "
      "format=%s width=%u height=%u rate=%u/%u unreported=%llu\n",
      n, (unsigned long long)lost, (unsigned long long)bad_stamps, fps, (unsigned long long)p50,
      (unsigned long long)p99, pixel_format_name(mode.format), mode.width, mode.height,
      mode.rate_num, mode.rate_den, (unsigned long long)unreported);
  return lost == 0 && bad_stamps == 0 ? 0 : 1;
}
