// life: Conway's game of life on a torus, long-running and deterministic.
//
//   life.wasm [GENERATIONS [EVERY [SIZE]]]      (defaults 1000 100 64)
// Prints "gen G checksum HHHHHHHH alive A" every EVERY generations (and at
// the end), so a run that was migrated can be compared with one that was not:
// the same arguments always print the same lines.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t Checksum(const uint8_t* cells, int n) {
  uint32_t h = 2166136261u;  // FNV-1a.
  for (int i = 0; i < n; ++i) {
    h ^= cells[i];
    h *= 16777619u;
  }
  return h;
}

int main(int argc, char** argv) {
  long generations = argc > 1 ? atol(argv[1]) : 1000;
  long every = argc > 2 ? atol(argv[2]) : 100;
  int size = argc > 3 ? atoi(argv[3]) : 64;
  if (generations < 0 || every <= 0 || size < 3 || size > 4096) {
    fprintf(stderr, "usage: life [GENERATIONS [EVERY [SIZE]]]\n");
    return 2;
  }
  int n = size * size;
  uint8_t* cur = calloc((size_t)n, 1);
  uint8_t* next = calloc((size_t)n, 1);
  if (cur == NULL || next == NULL) return 3;
  uint32_t seed = 12345;  // A fixed LCG seed: every run starts alike.
  for (int i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    cur[i] = (seed >> 16) % 4 == 0;
  }
  for (long g = 1; g <= generations; ++g) {
    for (int y = 0; y < size; ++y) {
      int up = (y + size - 1) % size, down = (y + 1) % size;
      for (int x = 0; x < size; ++x) {
        int left = (x + size - 1) % size, right = (x + 1) % size;
        int live = cur[up * size + left] + cur[up * size + x] + cur[up * size + right] +
                   cur[y * size + left] + cur[y * size + right] + cur[down * size + left] +
                   cur[down * size + x] + cur[down * size + right];
        uint8_t alive = cur[y * size + x];
        next[y * size + x] = live == 3 || (alive && live == 2);
      }
    }
    uint8_t* t = cur;
    cur = next;
    next = t;
    if (g % every == 0 || g == generations) {
      int alive = 0;
      for (int i = 0; i < n; ++i) alive += cur[i];
      printf("gen %ld checksum %08x alive %d\n", g, (unsigned)Checksum(cur, n), alive);
      fflush(stdout);
    }
  }
  free(cur);
  free(next);
  return 0;
}
