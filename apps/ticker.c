/* ticker [COUNT] [PERIOD_MS]: prints "tick I" COUNT times (default 20),
 * PERIOD_MS milliseconds apart (default 100), waiting the kernel's way: a
 * shoal timer set to each absolute deadline (start + I * period, so a late
 * tick does not shift the next), its packet taken from a port. A tick that
 * comes before its deadline is an error.
 *
 * The timer and the port are the process's alone, so a migration carries
 * them by value: once moved, the ticker no longer depends on the node it
 * left (docs/migration.md).
 *
 *   shoal run ticker.wasm 5 200
 *   tick 1
 *   ...
 *   ticker: 5 ticks, none early
 * Exit code: 0; 1 for a tick before its deadline; 2 when a kernel call
 * fails. */
#include <shoal/shoal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fail(const char* what, int32_t r) {
  printf("ticker: %s failed: %d (%s)\n", what, r, shoal_status_text(r));
  return 2;
}

int main(int argc, char** argv) {
  int count = argc > 1 ? atoi(argv[1]) : 20;
  int period_ms = argc > 2 ? atoi(argv[2]) : 100;
  if (count < 1) count = 20;
  if (period_ms < 1) period_ms = 100;
  setvbuf(stdout, NULL, _IOLBF, 0);

  int32_t port = shoal_port_create();
  if (port < 0) return fail("port_create", port);
  int32_t timer = shoal_timer_create();
  if (timer < 0) return fail("timer_create", timer);
  const uint64_t start = now_ns();
  for (int i = 1; i <= count; ++i) {
    const uint64_t deadline = start + (uint64_t)i * (uint64_t)period_ms * 1000000u;
    int32_t r = shoal_timer_set(timer, deadline);
    if (r < 0) return fail("timer_set", r);
    r = shoal_port_wait_async(port, timer, SHOAL_SIGNAL_SIGNALED, (uint64_t)i);
    if (r < 0) return fail("port_wait_async", r);
    shoal_packet_t packet;
    r = shoal_port_wait(port, SHOAL_WAIT, &packet);
    if (r < 0) return fail("port_wait", r);
    if (packet.key != (uint64_t)i) {
      printf("ticker: packet %llu came for tick %d\n", (unsigned long long)packet.key, i);
      return 2;
    }
    if (now_ns() < deadline) {
      printf("ticker: tick %d came %llu ns early\n", i, (unsigned long long)(deadline - now_ns()));
      return 1;
    }
    printf("tick %d\n", i);
  }
  printf("ticker: %d ticks, none early\n", count);
  return 0;
}
