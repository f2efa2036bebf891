// Device reads vs their Linux peer, measured in the same run: a Wasm process
// (bench/proc/devread.wat) calling device_read on /dev/zero opened through
// its namespace, once on the local device and once on a proxy of it through
// a remote::Pair over an in-process pipe (kPipe: every read a Cap'n Proto
// RPC call on the wire's event loop, as a remote device's would be, minus
// the network and TLS; bench/remote_bench.cc has those), against read(2) of
// /dev/zero in this process. Each row is one buffer size.
// Usage: shoal-bench-device [SCALE] (default 1: 200,000 one-byte reads,
// 100,000 of 4 KiB, 20,000 of 64 KiB); prints ns per read and MB/s.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "kernel/abi/link.h"
#include "kernel/object/device.h"
#include "kernel/object/provider.h"
#include "kernel/proc/kernel.h"
#include "kernel/remote/pair.h"

namespace {

using shoal::bench::Clock;
using shoal::bench::ReadModule;
namespace k = shoal::kernel;

// ns per device_read of `cap` bytes by a process whose /dev/bench is `device`.
double WasmReadNs(k::Kernel& kernel, k::Ref<k::KernelObject> device, int cap, int count) {
  auto ns = kernel.root_namespace().Clone();
  if (!ns->Bind("/dev/bench", k::ObjectProvider::Create(std::move(device), k::Rights::kRead))
           .ok()) {
    std::exit(1);
  }
  k::SpawnRequest request;
  request.module_bytes = ReadModule("devread");
  request.args = {"devread", std::to_string(cap), std::to_string(count)};
  request.ns = std::move(ns);
  auto start = Clock::now();
  uint64_t pid = kernel.Spawn(std::move(request)).value().pid;
  auto status = kernel.Wait(pid);
  auto elapsed = Clock::now() - start;
  if (!status.ok() || status->code != 0) {
    std::fprintf(stderr, "devread %d x %d failed\n", cap, count);
    std::exit(1);
  }
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) / count;
}

double NativeReadNs(int cap, int count) {
  int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  if (fd < 0) std::exit(1);
  std::vector<char> buf(static_cast<size_t>(cap));
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    if (read(fd, buf.data(), buf.size()) != cap) std::exit(1);
  }
  auto elapsed = Clock::now() - start;
  close(fd);
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) / count;
}

}  // namespace

int main(int argc, char** argv) {
  int scale = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
  k::KernelOptions options;
  options.link_imports = k::abi::LinkProcessImports;
  options.workers = 2;
  auto kernel = std::move(k::Kernel::Create(options).value());
  k::Ref<k::KernelObject> zero = k::BasicDevice::Create(k::BasicDeviceKind::kZero).value();
  std::unique_ptr<k::remote::Pair> pair =
      k::remote::Pair::Create(k::remote::Pair::Transport::kPipe);
  if (pair == nullptr) return 1;
  // kWait too: a reader that meets kShouldWait parks on the proxy's signals.
  k::Ref<k::KernelObject> proxy = pair->Proxy(zero, k::Rights::kRead | k::Rights::kWait).value();
  const std::pair<int, int> rows[] = {{1, 200000}, {4096, 100000}, {65536, 20000}};
  std::printf("%8s %14s %14s %14s %12s %12s\n", "bytes", "local ns/read", "proxy ns/read",
              "read(2) ns", "local MB/s", "proxy MB/s");
  for (auto [cap, count] : rows) {
    count *= scale;
    double local = WasmReadNs(*kernel, zero, cap, count);
    double proxied = WasmReadNs(*kernel, proxy, cap, count);
    double native = NativeReadNs(cap, count);
    std::printf("%8d %14.0f %14.0f %14.0f %12.0f %12.0f\n", cap, local, proxied, native,
                cap * 1e3 / local, cap * 1e3 / proxied);
  }
  return 0;
}
