// shoal-bench-sched: the scheduler and reactor against their Linux peers,
// measured in the same run (docs/benchmarks.md).
//
//   file read:  a page-cached file read through the reactor (one read in
//               flight, then eight) vs pread(2) in a loop, same chunks.
//   wake:       two tasks ping-ponging a token through Scheduler::Wake vs two
//               threads ping-ponging a byte through a pair of pipes.
//   parked:     heap bytes per parked task (10,000 of them).
//   timers:     ReactorTimerService schedule + fire cost for 10,000 timers.
//
// Usage: shoal-bench-sched [--quick]. Every phase is bounded in work.
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kernel/sched/reactor.h"
#include "kernel/sched/reactor_timer_service.h"
#include "kernel/sched/scheduler.h"

namespace shoal::kernel {
namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- file read throughput ----

constexpr size_t kChunk = 128 * 1024;

double PreadMiBs(int fd, size_t file_size, int passes) {
  std::vector<uint8_t> buffer(kChunk);
  auto start = std::chrono::steady_clock::now();
  for (int p = 0; p < passes; ++p) {
    for (size_t off = 0; off < file_size; off += kChunk) {
      if (pread(fd, buffer.data(), kChunk, off) != ssize_t(kChunk)) abort();
    }
  }
  return double(file_size) * passes / (1 << 20) / Seconds(start);
}

// Reads the file `passes` times through the reactor with `depth` reads in
// flight; each completion starts the next read from the callback.
double ReactorMiBs(Reactor& reactor, int fd, size_t file_size, int passes, int depth) {
  size_t chunks = file_size / kChunk * passes;
  std::vector<std::vector<uint8_t>> buffers(depth, std::vector<uint8_t>(kChunk));
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> finished{false};
  std::function<void(int)> issue = [&](int slot) {
    size_t n = next.fetch_add(1);
    if (n >= chunks) return;
    auto id = reactor.Read(fd, buffers[slot], int64_t(n % (file_size / kChunk) * kChunk),
                           [&, slot](const IoCompletion& c) {
                             if (c.result != int32_t(kChunk)) failed = true;
                             if (done.fetch_add(1) + 1 == chunks) {
                               finished = true;
                               finished.notify_one();
                             }
                             issue(slot);
                           });
    if (!id.ok()) abort();
  };
  auto start = std::chrono::steady_clock::now();
  for (int slot = 0; slot < depth; ++slot) issue(slot);
  finished.wait(false);  // Sleeps: the reactor thread gets the core.
  double seconds = Seconds(start);
  if (failed) {
    std::fprintf(stderr, "reactor read failed\n");
    abort();
  }
  return double(file_size) * passes / (1 << 20) / seconds;
}

void BenchFileRead(Reactor& reactor, bool quick) {
  const size_t file_size = (quick ? 16 : 64) << 20;
  const int passes = quick ? 4 : 8;
  std::string path =
      std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/shoal-bench-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) abort();
  unlink(path.c_str());
  std::vector<uint8_t> block(1 << 20, 0x5a);
  for (size_t off = 0; off < file_size; off += block.size()) {
    if (write(fd, block.data(), block.size()) != ssize_t(block.size())) abort();
  }
  PreadMiBs(fd, file_size, 1);  // Warm the page cache.
  double plain = PreadMiBs(fd, file_size, passes);
  double qd1 = ReactorMiBs(reactor, fd, file_size, passes, 1);
  double qd8 = ReactorMiBs(reactor, fd, file_size, passes, 8);
  close(fd);
  std::printf("file read (%zu MiB page-cached, %zu KiB chunks, %d passes)\n", file_size >> 20,
              kChunk >> 10, passes);
  std::printf("  pread(2) loop            %9.0f MiB/s\n", plain);
  std::printf("  reactor, 1 in flight     %9.0f MiB/s   ratio to pread %.2f\n", qd1, qd1 / plain);
  std::printf("  reactor, 8 in flight     %9.0f MiB/s   ratio to pread %.2f\n", qd8, qd8 / plain);
}

// ---- wake ping-pong ----

class PingPong : public Task {
 public:
  PingPong(Scheduler& scheduler, uint64_t rounds) : scheduler_(scheduler), rounds_(rounds) {}
  std::shared_ptr<PingPong> peer;
  std::atomic<bool> token{false};

  StepOutcome Step(uint64_t) override {
    if (token.exchange(false)) {
      PingPong& p = *peer;
      p.token.store(true);
      scheduler_.Wake(p);
      if (++done_ == rounds_) {
        peer.reset();
        return StepOutcome::kDone;
      }
    }
    return StepOutcome::kParked;
  }

 private:
  Scheduler& scheduler_;
  uint64_t rounds_;
  uint64_t done_ = 0;
};

double WakeRoundTripNs(unsigned workers, CpuClock clock, uint64_t rounds) {
  Scheduler scheduler({.workers = workers, .cpu_clock = clock});
  auto a = std::make_shared<PingPong>(scheduler, rounds);
  auto b = std::make_shared<PingPong>(scheduler, rounds);
  a->peer = b;
  b->peer = a;
  a->token = true;
  auto start = std::chrono::steady_clock::now();
  if (!scheduler.Submit(a).ok() || !scheduler.Submit(b).ok()) abort();
  if (!scheduler.WaitAllDone(std::chrono::seconds(120))) abort();
  return Seconds(start) * 1e9 / double(rounds);
}

double PipeRoundTripNs(uint64_t rounds) {
  int ab[2], ba[2];
  if (pipe(ab) != 0 || pipe(ba) != 0) abort();
  std::thread echo([&] {
    char c;
    for (uint64_t i = 0; i < rounds; ++i) {
      if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1) abort();
    }
  });
  auto start = std::chrono::steady_clock::now();
  char c = 'x';
  for (uint64_t i = 0; i < rounds; ++i) {
    if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) abort();
  }
  double ns = Seconds(start) * 1e9 / double(rounds);
  echo.join();
  for (int fd : {ab[0], ab[1], ba[0], ba[1]}) close(fd);
  return ns;
}

void BenchWake(bool quick) {
  uint64_t rounds = quick ? 20'000 : 100'000;
  double pipe = PipeRoundTripNs(rounds);
  std::printf("wake ping-pong (%lu round trips; a round trip is two wakes)\n",
              (unsigned long)rounds);
  std::printf("  pipe pair, 2 threads     %9.0f ns/round trip\n", pipe);
  for (unsigned workers : {1u, 2u}) {
    for (CpuClock clock : {CpuClock::kThreadCpu, CpuClock::kSteady}) {
      double ns = WakeRoundTripNs(workers, clock, rounds);
      std::printf("  scheduler, %u worker%s %-7s %6.0f ns/round trip   ratio to pipe %.2f\n",
                  workers, workers == 1 ? ", " : "s,",
                  clock == CpuClock::kThreadCpu ? "thread" : "steady", ns, ns / pipe);
    }
  }
}

// ---- memory per parked task ----

class Idle : public Task {
 public:
  StepOutcome Step(uint64_t) override { return StepOutcome::kParked; }
};

void BenchParked() {
  constexpr size_t kTasks = 10'000;
  Scheduler scheduler({.workers = 2});
  std::vector<std::shared_ptr<Idle>> tasks;
  tasks.reserve(kTasks);  // Outside the measurement: the caller's list, not ours.
  size_t before = mallinfo2().uordblks;
  for (size_t i = 0; i < kTasks; ++i) {
    tasks.push_back(std::make_shared<Idle>());
    if (!scheduler.Submit(tasks.back()).ok()) abort();
  }
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (scheduler.Stats().parked < kTasks && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  size_t after = mallinfo2().uordblks;
  std::printf("parked tasks (%zu)\n", kTasks);
  std::printf("  heap per parked task     %9.0f bytes (sizeof(Task) %zu, make_shared block %zu)\n",
              double(after - before) / kTasks, sizeof(Task), sizeof(Idle) + 16);
  for (auto& task : tasks) scheduler.RequestKill(*task);
  scheduler.WaitAllDone(std::chrono::seconds(60));
}

// ---- timers ----

void BenchTimers(Reactor& reactor) {
  constexpr int kTimers = 10'000;
  ReactorTimerService timers(reactor);
  std::atomic<int> fired{0};
  std::atomic<bool> finished{false};
  MonotonicNs base = MonotonicNow();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kTimers; ++i) {
    timers.Schedule(base + MonotonicNs(i % 997) * 10'000, [&] {
      if (fired.fetch_add(1) + 1 == kTimers) {
        finished = true;
        finished.notify_one();
      }
    });
  }
  double schedule_ns = Seconds(start) * 1e9 / kTimers;
  finished.wait(false);
  double total_ns = Seconds(start) * 1e9 / kTimers;
  std::printf("timers (%d, deadlines spread over 10 ms)\n", kTimers);
  std::printf("  Schedule                 %9.0f ns/timer; schedule to last fired %.0f ns/timer\n",
              schedule_ns, total_ns);
}

}  // namespace
}  // namespace shoal::kernel

int main(int argc, char** argv) {
  using namespace shoal::kernel;
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  auto reactor = Reactor::Create();
  if (!reactor.ok()) {
    std::fprintf(stderr, "reactor: %s\n", reactor.error().message.c_str());
    return 1;
  }
  std::printf("shoal-bench-sched: %u hardware threads\n", std::thread::hardware_concurrency());
  BenchFileRead(**reactor, quick);
  BenchWake(quick);
  BenchParked();
  BenchTimers(**reactor);
  return 0;
}
