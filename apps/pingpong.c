/* pingpong [--on NODE] [N]: the parent spawns a copy of itself with one end
 * of a channel (on node NODE under shoald, through /nodes/NODE); they bounce
 * a counter N times (default 5), both printing progress (a child on another
 * node prints into its own log there). */
#include "spawn_self.h"

static int child(void) {
  int32_t ch = shoal_startup_handle(0);
  if (ch < 0) return 2;
  for (;;) {
    uint32_t value;
    shoal_read_actual_t actual;
    int32_t r = shoal_channel_read(ch, SHOAL_WAIT, &value, sizeof value, NULL, 0, &actual);
    if (r == SHOAL_ERR_PEER_CLOSED) break;
    if (r != sizeof value) return 3;
    printf("pong %u\n", value);
    fflush(stdout);
    value++;
    if (shoal_channel_write(ch, &value, sizeof value, NULL, 0) < 0) return 4;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) return child();
  const char* node = NULL;
  int arg = 1;
  if (argc > arg + 1 && strcmp(argv[arg], "--on") == 0) {
    node = argv[arg + 1];
    arg += 2;
  }
  int rounds = argc > arg ? atoi(argv[arg]) : 5;
  uint32_t len;
  unsigned char* module = read_module(argv[0], &len);
  if (!module) {
    fprintf(stderr, "pingpong: cannot read %s (run with --dir on its directory)\n", argv[0]);
    return 1;
  }
  shoal_handle_t ends[2];
  if (shoal_channel_create(ends) < 0) return 1;
  int32_t proc = spawn_self_on(node, module, len, argv[0], "child", NULL, &ends[1], 1);
  if (proc < 0) {
    fprintf(stderr, "pingpong: spawn%s%s failed: %d (%s)\n", node ? " on " : "", node ? node : "",
            proc, shoal_status_text(proc));
    return 1;
  }
  uint32_t value = 0;
  for (int i = 0; i < rounds; ++i) {
    printf("ping %u\n", value);
    fflush(stdout);
    int32_t r = shoal_channel_write(ends[0], &value, sizeof value, NULL, 0);
    shoal_read_actual_t actual;
    if (r >= 0) r = shoal_channel_read(ends[0], SHOAL_WAIT, &value, sizeof value, NULL, 0, &actual);
    if (r < 0) {
      /* The child ended, or its node went away (-19, peer gone, reads as
       * peer-closed on the channel). */
      fprintf(stderr, "pingpong: round %d: the channel to the child failed: %d (%s)\n", i, r,
              shoal_status_text(r));
      return 1;
    }
    value++;
  }
  shoal_handle_close(ends[0]);
  int32_t code = -1;
  shoal_process_wait((shoal_handle_t)proc, SHOAL_WAIT, &code);
  printf("pingpong: %d rounds, final %u, child exited %d\n", rounds, value, code);
  return code == 0 ? 0 : 1;
}
