/* spawner [K]: spawns K children (default 4); child i computes the i-th
 * Fibonacci number modulo 256 the slow way and exits with it. The parent
 * waits for all and prints their exit codes. */
#include "spawn_self.h"

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char** argv) {
  if (argc > 2 && strcmp(argv[1], "child") == 0) {
    unsigned i = (unsigned)atoi(argv[2]);
    unsigned f = fib(10 + i);
    printf("child %u: fib(%u) = %u\n", i, 10 + i, f);
    return (int)(f % 256);
  }
  int k = argc > 1 ? atoi(argv[1]) : 4;
  if (k < 1 || k > 64) k = 4;
  uint32_t len;
  unsigned char* module = read_module(argv[0], &len);
  if (!module) {
    fprintf(stderr, "spawner: cannot read %s (run with --dir on its directory)\n", argv[0]);
    return 1;
  }
  int32_t procs[64];
  for (int i = 0; i < k; ++i) {
    char index[16];
    snprintf(index, sizeof index, "%d", i);
    procs[i] = spawn_self(module, len, argv[0], "child", index, NULL, 0);
    if (procs[i] < 0) {
      fprintf(stderr, "spawner: spawn %d failed: %d (%s)\n", i, procs[i],
              shoal_status_text(procs[i]));
      return 1;
    }
  }
  int ok = 1;
  for (int i = 0; i < k; ++i) {
    int32_t code = -1;
    int32_t r = shoal_process_wait((shoal_handle_t)procs[i], SHOAL_WAIT, &code);
    unsigned expect = fib(10 + (unsigned)i) % 256;
    printf("spawner: child %d exited %d%s\n", i, code,
           r == 0 && (unsigned)code == expect ? "" : " (unexpected)");
    if (r != 0 || (unsigned)code != expect) ok = 0;
  }
  printf("spawner: %d children done\n", k);
  return ok ? 0 : 1;
}
