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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
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

constexpr int kReps = 5;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
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
  std::atomic<bool> failed{false};
  // The last callback signals under the lock and touches nothing after it,
  // so this frame may end as soon as the wait returns.
  std::mutex mu;
  std::condition_variable cv;
  size_t done = 0;
  std::function<void(int)> issue = [&](int slot) {
    size_t n = next.fetch_add(1);
    if (n >= chunks) return;
    auto id = reactor.Read(fd, buffers[slot], int64_t(n % (file_size / kChunk) * kChunk),
                           [&, slot](const IoCompletion& c) {
                             if (c.result != int32_t(kChunk)) failed = true;
                             issue(slot);
                             std::lock_guard lock(mu);
                             if (++done == chunks) cv.notify_one();
                           });
    if (!id.ok()) abort();
  };
  auto start = std::chrono::steady_clock::now();
  for (int slot = 0; slot < depth; ++slot) issue(slot);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == chunks; });
  }
  double seconds = Seconds(start);
  if (failed) {
    std::fprintf(stderr, "reactor read failed\n");
    abort();
  }
  return double(file_size) * passes / (1 << 20) / seconds;
}

void BenchFileRead(Reactor& reactor, bool quick) {
  const size_t file_size = (quick ? 16 : 64) << 20;
  const int passes = quick ? 1 : 4;
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
  // The host is shared: interleave the contenders and keep medians.
  std::vector<double> plain, qd1, qd8;
  for (int rep = 0; rep < kReps; ++rep) {
    plain.push_back(PreadMiBs(fd, file_size, passes));
    qd1.push_back(ReactorMiBs(reactor, fd, file_size, passes, 1));
    qd8.push_back(ReactorMiBs(reactor, fd, file_size, passes, 8));
  }
  close(fd);
  std::printf("file read (%zu MiB page-cached, %zu KiB chunks, %d passes; median of %d)\n",
              file_size >> 20, kChunk >> 10, passes, kReps);
  double p = Median(plain);
  std::printf("  pread(2) loop            %9.0f MiB/s\n", p);
  std::printf("  reactor, 1 in flight     %9.0f MiB/s   ratio to pread %.2f\n", Median(qd1),
              Median(qd1) / p);
  std::printf("  reactor, 8 in flight     %9.0f MiB/s   ratio to pread %.2f\n", Median(qd8),
              Median(qd8) / p);
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
  uint64_t rounds = quick ? 5'000 : 20'000;
  struct Config {
    unsigned workers;
    CpuClock clock;
  };
  const Config configs[] = {{1, CpuClock::kSteady},
                            {2, CpuClock::kSteady},
                            {1, CpuClock::kThreadCpu},
                            {2, CpuClock::kThreadCpu}};
  std::vector<double> pipe;
  std::vector<std::vector<double>> sched(std::size(configs));
  for (int rep = 0; rep < kReps; ++rep) {  // Interleaved; medians.
    pipe.push_back(PipeRoundTripNs(rounds));
    for (size_t i = 0; i < std::size(configs); ++i) {
      sched[i].push_back(WakeRoundTripNs(configs[i].workers, configs[i].clock, rounds));
    }
  }
  double p = Median(pipe);
  std::printf("wake ping-pong (%lu round trips, two wakes each; median of %d)\n",
              (unsigned long)rounds, kReps);
  std::printf("  pipe pair, 2 threads             %7.0f ns/round trip\n", p);
  for (size_t i = 0; i < std::size(configs); ++i) {
    double ns = Median(sched[i]);
    std::printf("  scheduler, %u worker%s %-11s %7.0f ns/round trip   ratio to pipe %.2f\n",
                configs[i].workers, configs[i].workers == 1 ? ", " : "s,",
                configs[i].clock == CpuClock::kThreadCpu ? "thread-cpu" : "steady", ns, ns / p);
  }
}

// ---- dispatch rate: the cost of the global run queue ----

// Returns kPreempted at once `steps` times: every step is pure scheduler.
class Empty : public Task {
 public:
  explicit Empty(uint64_t steps) : left_(steps) {}
  StepOutcome Step(uint64_t) override {
    return --left_ == 0 ? StepOutcome::kDone : StepOutcome::kPreempted;
  }

 private:
  uint64_t left_;
};

double EmptyStepNs(unsigned workers, uint64_t steps_per_task) {
  constexpr int kTasks = 8;
  Scheduler scheduler({.workers = workers});
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kTasks; ++i) {
    if (!scheduler.Submit(std::make_shared<Empty>(steps_per_task)).ok()) abort();
  }
  if (!scheduler.WaitAllDone(std::chrono::seconds(120))) abort();
  return Seconds(start) * 1e9 / double(kTasks * steps_per_task);
}

void BenchDispatch(bool quick) {
  uint64_t steps = quick ? 20'000 : 100'000;
  std::vector<double> one, two;
  for (int rep = 0; rep < kReps; ++rep) {
    one.push_back(EmptyStepNs(1, steps));
    two.push_back(EmptyStepNs(2, steps));
  }
  std::printf("dispatch (8 always-runnable tasks, empty steps; median of %d)\n", kReps);
  std::printf("  1 worker                 %9.0f ns/step\n", Median(one));
  std::printf("  2 workers                %9.0f ns/step (all workers together)\n", Median(two));
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
  std::mutex mu;
  std::condition_variable cv;
  int fired = 0;
  MonotonicNs base = MonotonicNow();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kTimers; ++i) {
    timers.Schedule(base + MonotonicNs(i % 997) * 10'000, [&] {
      std::lock_guard lock(mu);
      if (++fired == kTimers) cv.notify_one();
    });
  }
  double schedule_ns = Seconds(start) * 1e9 / kTimers;
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return fired == kTimers; });
  }
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
  BenchDispatch(quick);
  BenchParked();
  BenchTimers(**reactor);
  return 0;
}
