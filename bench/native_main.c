// Native harness for one benchmark program: calls bench_run() once and prints
// its checksum and the time the call took, in the same "key value" lines
// shoal-bench-vm and run-node.mjs print, so the runner parses all alike.
#include <stdint.h>
#include <stdio.h>
#include <time.h>

uint64_t bench_run(void);

static double NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void) {
  double start = NowMs();
  uint64_t checksum = bench_run();
  double end = NowMs();
  printf("checksum %llu\nrun_ms %.3f\n", (unsigned long long)checksum, end - start);
  return 0;
}
