// Integer loops over memory: the sieve of Eratosthenes over a byte array, run
// several times. Measures loads, stores, compares and branches in tight loops.
#include <stdint.h>

enum { kLimit = 4 * 1024 * 1024, kRounds = 40 };

// One byte per number: 1 while it may still be prime.
static uint8_t candidate[kLimit];

// Returns the number of primes below kLimit and folds every prime into *hash.
static uint32_t Sieve(uint64_t* hash) {
  for (uint32_t i = 0; i < kLimit; i++) candidate[i] = 1;
  candidate[0] = 0;
  candidate[1] = 0;
  for (uint32_t p = 2; p * p < kLimit; p++) {
    if (!candidate[p]) continue;
    for (uint32_t m = p * p; m < kLimit; m += p) candidate[m] = 0;
  }
  uint32_t count = 0;
  uint64_t h = *hash;
  for (uint32_t i = 0; i < kLimit; i++) {
    if (candidate[i]) {
      count++;
      h = (h ^ i) * 0x100000001b3ull;
    }
  }
  *hash = h;
  return count;
}

uint64_t bench_run(void) {
  uint64_t hash = 0xcbf29ce484222325ull;
  uint64_t total = 0;
  for (uint32_t round = 0; round < kRounds; round++) total += Sieve(&hash);
  return hash ^ (total << 32);
}
