/* pipeline [--on FILTER_NODE,CONSUMER_NODE] [N]: producer -> filter ->
 * consumer, three processes over two channels. The producer (the parent)
 * sends 1..N, the filter keeps the odd numbers and squares them, the consumer
 * sums them and reports the total back to the producer. Default N = 100.
 * With --on (under shoald) the filter and the consumer run on the named
 * nodes, so the channels cross between nodes. */
#include "spawn_self.h"

static int filter(void) {
  int32_t in = shoal_startup_handle(0), out = shoal_startup_handle(1);
  if (in < 0 || out < 0) return 2;
  int passed = 0;
  for (;;) {
    uint64_t v;
    shoal_read_actual_t actual;
    int32_t r = shoal_channel_read(in, SHOAL_WAIT, &v, sizeof v, NULL, 0, &actual);
    if (r == SHOAL_ERR_PEER_CLOSED) break;
    if (r != sizeof v) return 3;
    if (v % 2 == 1) {
      v *= v;
      if (shoal_channel_write_wait(out, &v, sizeof v, NULL, 0) < 0) return 4;
      passed++;
    }
  }
  printf("filter: passed %d values\n", passed);
  return 0;
}

static int consumer(void) {
  int32_t in = shoal_startup_handle(0), report = shoal_startup_handle(1);
  if (in < 0 || report < 0) return 2;
  uint64_t sum = 0, count = 0;
  for (;;) {
    uint64_t v;
    shoal_read_actual_t actual;
    int32_t r = shoal_channel_read(in, SHOAL_WAIT, &v, sizeof v, NULL, 0, &actual);
    if (r == SHOAL_ERR_PEER_CLOSED) break;
    if (r != sizeof v) return 3;
    sum += v;
    count++;
  }
  printf("consumer: %llu values, sum %llu\n", (unsigned long long)count, (unsigned long long)sum);
  if (shoal_channel_write(report, &sum, sizeof sum, NULL, 0) < 0) return 4;
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "filter") == 0) return filter();
  if (argc > 1 && strcmp(argv[1], "consumer") == 0) return consumer();
  char nodes[128] = "";
  const char* filter_node = NULL;
  const char* consumer_node = NULL;
  int arg = 1;
  if (argc > arg + 1 && strcmp(argv[arg], "--on") == 0) {
    snprintf(nodes, sizeof nodes, "%s", argv[arg + 1]);
    char* comma = strchr(nodes, ',');
    filter_node = nodes;
    consumer_node = comma ? comma + 1 : nodes;
    if (comma) *comma = 0;
    arg += 2;
  }
  uint64_t n = argc > arg ? strtoull(argv[arg], NULL, 10) : 100;
  uint32_t len;
  unsigned char* module = read_module(argv[0], &len);
  if (!module) {
    fprintf(stderr, "pipeline: cannot read %s (run with --dir on its directory)\n", argv[0]);
    return 1;
  }
  shoal_handle_t a[2], b[2], report[2];
  if (shoal_channel_create(a) < 0 || shoal_channel_create(b) < 0 ||
      shoal_channel_create(report) < 0)
    return 1;
  shoal_handle_t filter_handles[2] = {a[1], b[0]};
  shoal_handle_t consumer_handles[2] = {b[1], report[1]};
  int32_t pf = spawn_self_on(filter_node, module, len, argv[0], "filter", NULL, filter_handles, 2);
  int32_t pc =
      spawn_self_on(consumer_node, module, len, argv[0], "consumer", NULL, consumer_handles, 2);
  if (pf < 0 || pc < 0) {
    fprintf(stderr, "pipeline: spawn failed: %d %d\n", pf, pc);
    return 1;
  }
  for (uint64_t i = 1; i <= n; ++i) {
    if (shoal_channel_write_wait(a[0], &i, sizeof i, NULL, 0) < 0) return 1;
  }
  printf("producer: sent %llu values\n", (unsigned long long)n);
  shoal_handle_close(a[0]);
  uint64_t sum = 0;
  shoal_read_actual_t actual;
  if (shoal_channel_read(report[0], SHOAL_WAIT, &sum, sizeof sum, NULL, 0, &actual) < 0) return 1;
  uint64_t expect = 0;
  for (uint64_t i = 1; i <= n; i += 2) expect += i * i;
  int32_t cf = -1, cc = -1;
  shoal_process_wait((shoal_handle_t)pf, SHOAL_WAIT, &cf);
  shoal_process_wait((shoal_handle_t)pc, SHOAL_WAIT, &cc);
  printf("pipeline: sum of odd squares to %llu = %llu (%s); filter exited %d, consumer %d",
         (unsigned long long)n, (unsigned long long)sum, sum == expect ? "correct" : "WRONG", cf,
         cc);
  if (filter_node) printf(" (filter on %s, consumer on %s)", filter_node, consumer_node);
  printf("\n");
  return sum == expect && cf == 0 && cc == 0 ? 0 : 1;
}
