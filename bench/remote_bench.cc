// The object protocol between two nodes vs plain TCP, measured in the same
// run (docs/benchmarks.md). Two kernels in one process stand for two nodes,
// each with its own event loop, joined by one connection on 127.0.0.1
// (remote::Pair over TCP). A channel is made on node A; node B holds its
// other end through a proxy.
//   - round trip: ping.wat on A and echo.wat on B bounce a 4-byte message,
//     vs a 4-byte ping-pong between two threads over a loopback TCP socket
//     (TCP_NODELAY);
//   - bulk: stream_out.wat on A writes 64 KiB messages that stream_in.wat on B
//     reads, vs one thread writing the same bytes in 64 KiB writes to another
//     over a loopback TCP socket; and the same over TLS (remote::Pair's TLS,
//     with node certificates) vs plain TLS between two threads (OpenSSL,
//     blocking sockets, the same certificates);
//   - file reads: read_file.wat on B reads a file of A in 64 KiB fd_read
//     calls through a proxied directory, vs the same program reading the
//     same file through a local preopen.
// Usage: shoal-bench-remote [ROUNDS] [BULK_MIB] [FILE_MIB]; prints times and
// ratios.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "bench/plain_transfer.h"
#include "kernel/abi/link.h"
#include "kernel/object/channel.h"
#include "kernel/object/directory.h"
#include "kernel/proc/kernel.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/test_certificates.h"

namespace {

using shoal::bench::BenchFile;
using shoal::bench::Clock;
using shoal::bench::ReadModule;
using shoal::bench::Seconds;
using shoal::bench::WasmReadMiBps;
using shoal::kernel::Kernel;
namespace k = shoal::kernel;

void Die(const char* what) {
  std::fprintf(stderr, "shoal-bench-remote: %s\n", what);
  std::exit(1);
}

// Presets the i32 at address 0 of a bench module's data segment: the first
// data segment's bytes start with the little-endian count.
void SetCount(std::vector<uint8_t>& module, const uint8_t (&old_le)[4], uint32_t count) {
  for (size_t i = 0; i + 4 <= module.size(); ++i) {
    if (std::memcmp(&module[i], old_le, 4) == 0) {
      for (int b = 0; b < 4; ++b) module[i + b] = uint8_t(count >> (8 * b));
      return;
    }
  }
  Die("count not found in module");
}

// One channel across the pair: A's local end and B's proxy of the other end.
struct SplitChannel {
  k::HandleEntry on_a;
  k::HandleEntry on_b;
};
SplitChannel MakeSplitChannel(shoal::kernel::remote::Pair& pair) {
  auto ends = k::Channel::Create().value();
  auto rights = k::DefaultRights(k::ObjectType::kChannel);
  auto proxy = pair.Proxy(ends.second, rights);
  if (!proxy.ok()) Die(proxy.error().message.c_str());
  return {{ends.first, rights}, {*proxy, rights}};
}

// Runs `a` on kernel A and `b` on kernel B; seconds until both ended.
double RunPair(Kernel& ka, k::SpawnRequest a, Kernel& kb, k::SpawnRequest b) {
  auto start = Clock::now();
  uint64_t pb = kb.Spawn(std::move(b)).value().pid;
  uint64_t pa = ka.Spawn(std::move(a)).value().pid;
  auto sa = ka.Wait(pa);
  auto sb = kb.Wait(pb);
  double s = Seconds(start);
  if (!sa.ok() || sa->code != 0 || !sb.ok() || sb->code != 0) Die("a bench process failed");
  return s;
}

double WasmRoundTripNs(Kernel& ka, Kernel& kb, shoal::kernel::remote::Pair& pair, int rounds) {
  SplitChannel ch = MakeSplitChannel(pair);
  k::SpawnRequest ping;
  ping.module_bytes = ReadModule("ping");
  SetCount(ping.module_bytes, {0x20, 0x4e, 0, 0}, uint32_t(rounds));
  ping.handles.push_back(std::move(ch.on_a));
  k::SpawnRequest echo;
  echo.module_bytes = ReadModule("echo");
  echo.handles.push_back(std::move(ch.on_b));
  return RunPair(ka, std::move(ping), kb, std::move(echo)) * 1e9 / rounds;
}

double WasmBulkMiBps(Kernel& ka, Kernel& kb, shoal::kernel::remote::Pair& pair, int mib) {
  SplitChannel ch = MakeSplitChannel(pair);
  uint32_t messages = uint32_t(mib) * 16;  // 64 KiB each.
  k::SpawnRequest out;
  out.module_bytes = ReadModule("stream_out");
  SetCount(out.module_bytes, {0x00, 0x04, 0, 0}, messages);
  out.handles.push_back(std::move(ch.on_a));
  k::SpawnRequest in;
  in.module_bytes = ReadModule("stream_in");
  SetCount(in.module_bytes, {0x00, 0x04, 0, 0}, messages);
  in.handles.push_back(std::move(ch.on_b));
  return mib / RunPair(ka, std::move(out), kb, std::move(in));
}

// A connected pair of loopback TCP sockets with TCP_NODELAY.
bool ReadFull(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

double TcpRoundTripNs(int rounds) {
  auto [a, b] = shoal::bench::LoopbackTcpPair();
  auto start = Clock::now();
  std::thread echo([fd = b] {
    uint32_t v;
    while (ReadFull(fd, &v, 4)) {
      if (write(fd, &v, 4) != 4) return;
    }
  });
  for (uint32_t i = 0; i < uint32_t(rounds); ++i) {
    uint32_t v = i;
    if (write(a, &v, 4) != 4 || !ReadFull(a, &v, 4)) Die("tcp ping");
  }
  double s = Seconds(start);
  shutdown(a, SHUT_WR);
  echo.join();
  close(a);
  close(b);
  return s * 1e9 / rounds;
}

double TcpBulkMiBps(int mib) {
  auto [a, b] = shoal::bench::LoopbackTcpPair();
  auto start = Clock::now();
  std::thread sink([fd = b, mib] {
    std::vector<char> buffer(64 * 1024);
    size_t total = 0;
    ssize_t r;
    while ((r = read(fd, buffer.data(), buffer.size())) > 0) total += size_t(r);
    if (total != size_t(mib) << 20) Die("tcp bulk lost bytes");
  });
  std::vector<char> chunk(64 * 1024, 'x');
  for (int i = 0; i < mib * 16; ++i) {
    size_t off = 0;
    while (off < chunk.size()) {
      ssize_t w = write(a, chunk.data() + off, chunk.size() - off);
      if (w <= 0) Die("tcp write");
      off += size_t(w);
    }
  }
  shutdown(a, SHUT_WR);
  sink.join();
  double s = Seconds(start);
  close(a);
  close(b);
  return mib / s;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 5000;
  int bulk_mib = argc > 2 ? std::atoi(argv[2]) : 64;
  int file_mib = argc > 3 ? std::atoi(argv[3]) : 64;
  using shoal::kernel::remote::Pair;
  k::KernelOptions options;
  options.link_imports = k::abi::LinkProcessImports;
  options.workers = 1;  // Per node: two nodes share this machine's cores.
  auto node_a = std::move(Kernel::Create(options).value());
  auto node_b = std::move(Kernel::Create(options).value());
  auto tcp_pair = Pair::Create(Pair::Transport::kTcp);
  auto tls_pair = Pair::Create(Pair::Transport::kTls);
  if (tcp_pair == nullptr || tls_pair == nullptr) Die("cannot join the two nodes");
  auto certificates = shoal::kernel::remote::MintTestCertificates({"a"});
  if (!certificates.ok()) Die(certificates.error().message.c_str());

  for (int rep = 0; rep < 3; ++rep) {
    double wasm = WasmRoundTripNs(*node_a, *node_b, *tcp_pair, rounds);
    double tcp = TcpRoundTripNs(rounds);
    std::printf("round trip across nodes: wasm channel %.0f ns, native TCP %.0f ns, ratio %.2fx\n",
                wasm, tcp, wasm / tcp);
  }
  for (int rep = 0; rep < 3; ++rep) {
    double wasm = WasmBulkMiBps(*node_a, *node_b, *tcp_pair, bulk_mib);
    double tcp = TcpBulkMiBps(bulk_mib);
    std::printf(
        "bulk across nodes (%d MiB in 64 KiB messages): wasm channel %.0f MiB/s, plain TCP %.0f "
        "MiB/s, ratio %.2fx\n",
        bulk_mib, wasm, tcp, wasm / tcp);
  }
  for (int rep = 0; rep < 3; ++rep) {
    double wasm = WasmBulkMiBps(*node_a, *node_b, *tls_pair, bulk_mib);
    double tls = shoal::bench::PlainTlsMiBps(certificates->at("a"), uint64_t(bulk_mib) << 20);
    std::printf(
        "bulk across nodes over TLS (%d MiB in 64 KiB messages): wasm channel %.0f MiB/s, plain "
        "TLS %.0f MiB/s, ratio %.2fx\n",
        bulk_mib, wasm, tls, wasm / tls);
  }
  BenchFile file(file_mib);
  const k::Rights rights = k::Rights::kRead | k::Rights::kWait;
  for (int rep = 0; rep < 3; ++rep) {
    auto root = k::Directory::OpenRoot(file.dir(), node_a->file_io());
    if (!root.ok()) Die("cannot open the bench directory");
    auto proxy = tcp_pair->Proxy(std::move(root).value(), rights);
    if (!proxy.ok()) Die(proxy.error().message.c_str());
    double remote = WasmReadMiBps(*node_b, file, file_mib, {*proxy, rights});
    double local = WasmReadMiBps(*node_b, file, file_mib);
    std::printf(
        "file reads across nodes (%d MiB in 64 KiB fd_reads): proxied file %.0f MiB/s, local "
        "file %.0f MiB/s, ratio %.2fx\n",
        file_mib, remote, local, remote / local);
  }
  return 0;
}
