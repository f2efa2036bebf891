/* devread PATH [N] [--hold]: opens the device at PATH through the
 * process's namespace and reads N bytes from it (default 16, at most
 * 4096), printing how many it got and the first of them in hex. A mounted
 * device of another node (shoal mount) reads the same way as a local one.
 * With --hold it then keeps the device open until it reads as peer closed
 * (an unmount, or its node going), and prints what one more read answers.
 * Exits 2 (printing the status) when PATH cannot be opened, 3 when a read
 * fails. */
#include <shoal/shoal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    printf("usage: devread PATH [N]\n");
    return 64;
  }
  const char* path = argv[1];
  int want = argc > 2 ? atoi(argv[2]) : 16;
  int hold = argc > 3 && strcmp(argv[3], "--hold") == 0;
  if (want < 1 || want > 4096) want = 16;
  shoal_handle_t device;
  int32_t r = shoal_namespace_open(path, (uint32_t)strlen(path),
                                   SHOAL_RIGHT_READ | SHOAL_RIGHT_WAIT, &device);
  if (r < 0) {
    printf("devread: cannot open %s: %d (%s)\n", path, r, shoal_status_text(r));
    return 2;
  }
  static unsigned char buffer[4096];
  int got = 0;
  while (got < want) {
    r = shoal_device_read(device, SHOAL_WAIT, buffer + got, (uint32_t)(want - got));
    if (r <= 0) {
      printf("devread: read from %s failed: %d\n", path, r);
      return 3;
    }
    got += r;
  }
  printf("devread: read %d bytes from %s:", got, path);
  for (int i = 0; i < got && i < 8; ++i) printf(" %02x", buffer[i]);
  printf("\n");
  fflush(stdout);
  if (hold) {
    uint32_t observed = 0;
    r = shoal_object_wait_one(device, SHOAL_SIGNAL_PEER_CLOSED, SHOAL_NO_DEADLINE, &observed);
    r = shoal_device_read(device, SHOAL_WAIT, buffer, 1);
    printf("devread: %s is peer closed; a read answers %d (%s)\n", path, r, shoal_status_text(r));
  }
  return 0;
}
