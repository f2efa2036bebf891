// Recursion: the naive doubly recursive Fibonacci function. Nearly all the
// work is call and return, so this measures the cost of a Wasm function call.
#include <stdint.h>

// noinline keeps the compiler from unrolling the recursion into its caller;
// the volatile seed keeps it from folding the whole computation to a constant.
__attribute__((noinline)) static uint32_t Fib(uint32_t n) {
  if (n < 2) return n;
  return Fib(n - 1) + Fib(n - 2);
}

static volatile uint32_t seed = 37;

uint64_t bench_run(void) {
  uint64_t checksum = 0;
  uint32_t n = seed;
  for (uint32_t i = 0; i < 3; i++) {
    checksum = checksum * 1000003u + Fib(n + i);
  }
  return checksum;
}
