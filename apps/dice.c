/* dice [N]: rolls N six-sided dice (default 5) with bytes from /dev/random,
 * opened through the process's namespace, and copies its report to
 * /dev/null. Exits 2 when /dev/random is not in its namespace. */
#include <shoal/shoal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t open_path(const char* path, uint32_t rights, shoal_handle_t* h) {
  return shoal_namespace_open(path, (uint32_t)strlen(path), rights, h);
}

/* A uniform roll: bytes of 252 and above are dropped (252 = 42 * 6), so
 * every face is equally likely. */
static int roll(shoal_handle_t random) {
  for (;;) {
    unsigned char byte;
    int32_t r = shoal_device_read(random, SHOAL_WAIT, &byte, 1);
    if (r != 1) return -1;
    if (byte < 252) return 1 + byte % 6;
  }
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5;
  if (n < 1 || n > 1000) n = 5;
  shoal_handle_t random, null;
  int32_t r = open_path("/dev/random", SHOAL_RIGHT_READ | SHOAL_RIGHT_WAIT, &random);
  if (r < 0) {
    printf("dice: cannot open /dev/random: %d (%s)\n", r, shoal_status_text(r));
    return 2;
  }
  char description[256];
  int32_t len = shoal_device_describe(random, description, sizeof description - 1);
  if (len < 0 || len >= (int32_t)sizeof description) return 3;
  description[len] = 0;
  printf("dice: /dev/random is %s", description);

  char report[8 + 2 * 1000] = "rolls:";
  size_t used = strlen(report);
  int total = 0;
  for (int i = 0; i < n; ++i) {
    int face = roll(random);
    if (face < 0) return 4;
    total += face;
    used += (size_t)snprintf(report + used, sizeof report - used, " %d", face);
  }
  printf("dice: %s (total %d)\n", report, total);

  if (open_path("/dev/null", SHOAL_RIGHT_WRITE, &null) < 0) return 5;
  if (shoal_device_write(null, 0, report, (uint32_t)used) != (int32_t)used) return 6;
  /* The handle carries only the rights asked for. */
  char byte;
  if (shoal_device_read(null, 0, &byte, 1) != SHOAL_ERR_ACCESS_DENIED) return 7;
  printf("dice: wrote %u bytes to /dev/null\n", (unsigned)used);

  shoal_handle_t missing;
  r = open_path("/dev/video1", SHOAL_RIGHT_READ, &missing);
  printf("dice: /dev/video1: %s\n", r == SHOAL_ERR_NOT_FOUND ? "not found" : "unexpected");
  return r == SHOAL_ERR_NOT_FOUND ? 0 : 8;
}
