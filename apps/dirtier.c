// dirtier: holds MIB MiB of memory and keeps writing to it, for migration
// benchmarks: how an image's size and a process's dirty rate weigh on a
// move.
//
//   dirtier.wasm MIB [PAGES_PER_MS [SECONDS]]      (defaults 16 0 600)
// Fills MIB MiB with a pattern (every 4 KiB page non-zero), prints "ready",
// then writes one byte in PAGES_PER_MS pages per millisecond of its own
// clock (0: idle, sleeping) until SECONDS have passed, and prints the
// number of writes and an FNV-1a checksum of every byte of the memory: a
// moved run's checksum must be what that many writes give (the test
// recomputes it), so no page a move carried may be stale.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char** argv) {
  long mib = argc > 1 ? atol(argv[1]) : 16;
  long pages_per_ms = argc > 2 ? atol(argv[2]) : 0;
  long seconds = argc > 3 ? atol(argv[3]) : 600;
  if (mib <= 0 || mib > 3072 || pages_per_ms < 0 || seconds < 0) {
    fprintf(stderr, "usage: dirtier MIB [PAGES_PER_MS [SECONDS]]\n");
    return 2;
  }
  size_t bytes = (size_t)mib << 20;
  size_t pages = bytes / 4096;
  uint8_t* memory = malloc(bytes);
  if (memory == NULL) {
    fprintf(stderr, "dirtier: cannot allocate %ld MiB\n", mib);
    return 3;
  }
  uint32_t seed = 2463534242u;  // xorshift: incompressible but reproducible.
  for (size_t i = 0; i < bytes; i += 4) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    memcpy(memory + i, &seed, 4);
  }
  printf("ready %ld MiB\n", mib);
  fflush(stdout);
  uint64_t end = NowMs() + (uint64_t)seconds * 1000;
  size_t next = 0;
  uint64_t writes = 0;
  while (NowMs() < end) {
    if (pages_per_ms == 0) {
      struct timespec pause = {0, 50 * 1000000};
      nanosleep(&pause, NULL);
      continue;
    }
    uint64_t ms = NowMs();
    for (long i = 0; i < pages_per_ms; ++i) {
      memory[next * 4096 + (writes % 4096)] += 1;
      next = (next + 7919) % pages;  // A prime stride visits every page.
      ++writes;
    }
    while (NowMs() == ms) {
    }
  }
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < bytes; ++i) h = (h ^ memory[i]) * 16777619u;
  printf("done %llu writes checksum %08x\n", (unsigned long long)writes, h);
  return 0;
}
