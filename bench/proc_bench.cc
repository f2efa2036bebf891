// Processes vs their Linux peers, measured in the same run:
//   - channel round trip between two Wasm processes (ping.wat, echo.wat)
//     vs a pipe ping-pong between two native processes (fork);
//   - spawn rate of a process that exits at once, vs fork+exit+wait;
//   - reading a file in 64 KiB fd_read calls (read_file.wat) vs a native
//     read(2) loop on the same file: with the kernel's default (page-cache
//     hits served on the worker, straight into guest memory), and with every
//     read on the io_uring reactor while the process parks (the path of a
//     read the page cache cannot serve).
// Usage: shoal-bench-proc [ROUNDS] [SPAWNS] [FILE_MIB]; prints times and ratios.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "kernel/abi/link.h"
#include "kernel/object/channel.h"
#include "kernel/proc/kernel.h"

namespace {

using shoal::bench::BenchFile;
using shoal::bench::Clock;
using shoal::bench::ReadModule;
using shoal::bench::Seconds;
using shoal::bench::WasmReadMiBps;
using shoal::kernel::Kernel;

// ns per round trip between two kernel processes; ping.wat does 20000 rounds.
double WasmRoundTripNs(Kernel& kernel) {
  constexpr int kRounds = 20000;
  auto [a, b] = shoal::kernel::Channel::Create().value();
  shoal::kernel::SpawnRequest echo;
  echo.module_bytes = ReadModule("echo");
  echo.handles.push_back({b, shoal::kernel::DefaultRights(shoal::kernel::ObjectType::kChannel)});
  shoal::kernel::SpawnRequest ping;
  ping.module_bytes = ReadModule("ping");
  ping.handles.push_back({a, shoal::kernel::DefaultRights(shoal::kernel::ObjectType::kChannel)});
  a.reset();
  b.reset();
  auto start = Clock::now();
  uint64_t echo_pid = kernel.Spawn(std::move(echo)).value().pid;
  uint64_t ping_pid = kernel.Spawn(std::move(ping)).value().pid;
  auto status = kernel.Wait(ping_pid);
  auto elapsed = Clock::now() - start;
  (void)kernel.Wait(echo_pid);
  if (!status.ok() || status->code != 0) {
    std::fprintf(stderr, "ping failed\n");
    std::exit(1);
  }
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) / kRounds;
}

double PipeRoundTripNs(int rounds) {
  int to_child[2], to_parent[2];
  if (pipe(to_child) != 0 || pipe(to_parent) != 0) std::exit(1);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    close(to_child[1]);  // Else the read below never sees end of file.
    close(to_parent[0]);
    uint32_t v;
    while (read(to_child[0], &v, 4) == 4) {
      if (write(to_parent[1], &v, 4) != 4) _exit(1);
    }
    _exit(0);
  }
  close(to_child[0]);
  close(to_parent[1]);
  for (uint32_t i = 0; i < uint32_t(rounds); ++i) {
    uint32_t v = i;
    if (write(to_child[1], &v, 4) != 4 || read(to_parent[0], &v, 4) != 4) std::exit(1);
  }
  close(to_child[1]);
  waitpid(pid, nullptr, 0);
  auto elapsed = Clock::now() - start;
  close(to_parent[0]);
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) / rounds;
}

double SpawnsPerSecond(Kernel& kernel, int count) {
  std::vector<uint8_t> module = ReadModule("exit0");
  std::vector<uint64_t> pids;
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    shoal::kernel::SpawnRequest request;
    request.module_bytes = module;
    pids.push_back(kernel.Spawn(std::move(request)).value().pid);
  }
  for (uint64_t pid : pids) (void)kernel.Wait(pid);
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  return count / s;
}

double ForksPerSecond(int count) {
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
  }
  return count / std::chrono::duration<double>(Clock::now() - start).count();
}

// MiB/s of a native loop of 64 KiB read(2) calls on the same file.
double NativeReadMiBps(const BenchFile& file, int mib) {
  std::vector<char> buffer(64 * 1024);
  auto start = Clock::now();
  int fd = open((file.dir() + "/input").c_str(), O_RDONLY);
  if (fd < 0) std::exit(1);
  while (read(fd, buffer.data(), buffer.size()) > 0) {
  }
  close(fd);
  return mib / Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  int pipe_rounds = argc > 1 ? std::atoi(argv[1]) : 20000;
  int spawns = argc > 2 ? std::atoi(argv[2]) : 2000;
  int file_mib = argc > 3 ? std::atoi(argv[3]) : 64;
  shoal::kernel::KernelOptions options;
  options.link_imports = shoal::kernel::abi::LinkProcessImports;
  options.workers = 2;
  auto kernel = std::move(Kernel::Create(options).value());
  for (int rep = 0; rep < 3; ++rep) {
    double wasm = WasmRoundTripNs(*kernel);
    double pipe = PipeRoundTripNs(pipe_rounds);
    std::printf("round trip: wasm channel %.0f ns, native pipe %.0f ns, ratio %.2fx\n", wasm, pipe,
                wasm / pipe);
  }
  double spawn_rate = SpawnsPerSecond(*kernel, spawns);
  double fork_rate = ForksPerSecond(spawns);
  std::printf("spawn: %.0f processes/s (fork+exit+wait: %.0f/s, ratio %.2fx)\n", spawn_rate,
              fork_rate, spawn_rate / fork_rate);
  BenchFile file(file_mib);  // In the page cache after writing: both read from memory.
  for (bool cached : {true, false}) {
    kernel.reset();  // One kernel at a time, so that idle workers of another do not compete.
    options.cached_reads = cached;
    kernel = std::move(Kernel::Create(options).value());
    for (int rep = 0; rep < 3; ++rep) {
      double wasm = WasmReadMiBps(*kernel, file, file_mib);
      double native = NativeReadMiBps(file, file_mib);
      std::printf(
          "file read (%d MiB, 64 KiB reads, %s): wasm %.0f MiB/s, native %.0f MiB/s, ratio "
          "%.2fx\n",
          file_mib, cached ? "cached" : "reactor", wasm, native, wasm / native);
    }
  }
  return 0;
}
