// A pre-copy's page stream alone (migrate/page_stream.h), without daemons:
// a memory of SIZE MiB of random bytes (incompressible, no zero pages)
// sent as the migrator sends a round, in 1 MiB batches over TLS with node
// certificates, into memories staged as a destination stages them (fresh,
// faulted in ahead). Beside it, in the same run, plain TLS of as many bytes
// between two threads (bench/plain_transfer.h), twice:
//   - buffers: 64 KiB written again and again and read into one 64 KiB
//     buffer (the peer bench/run-migrate-bench and shoal-bench-remote use);
//   - memory to memory: from the SIZE MiB memory into fresh memory of that
//     size, faulted in as the reads land (what any receiver of a new
//     process's memory pays on top).
// Also how fast one thread encodes batches (no network): the source's
// share of the work.
//
// Usage: shoal-bench-pages [SIZE_MIB=256] [REPEATS=3]; prints MiB/s and
// ratios, one line per repeat.
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/plain_transfer.h"
#include "kernel/remote/tls_stream.h"
#include "migrate/page_stream.h"

namespace {

using namespace shoal;
using Clock = std::chrono::steady_clock;
using bench::TransferDie;

constexpr uint32_t kBatchPages = 256;  // 1 MiB, as clusterd/daemon/migrator.cc sends.

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Fresh anonymous memory of `bytes`, unmapped on destruction.
struct FreshMemory {
  explicit FreshMemory(size_t size) : bytes(size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) TransferDie("mmap");
    data = static_cast<uint8_t*>(p);
  }
  ~FreshMemory() { munmap(data, bytes); }
  uint8_t* data;
  size_t bytes;
};

// Sends every page of `memory` in batches, and returns the batches' MiB/s.
template <typename SendBatch>
double EncodeAll(const std::vector<uint8_t>& memory, SendBatch send) {
  const uint32_t pages = uint32_t(memory.size() / migrate::kRunPageSize);
  migrate::ZstdTrials trials;
  std::vector<uint32_t> list;
  const Clock::time_point start = Clock::now();
  for (uint32_t first = 0; first < pages; first += kBatchPages) {
    list.clear();
    for (uint32_t p = first; p < std::min(pages, first + kBatchPages); ++p) list.push_back(p);
    auto batch = migrate::EncodePageBatch(memory.data(), memory.size(), list, 1, &trials,
                                          migrate::RawPages::kFollowing);
    if (!batch.ok()) TransferDie(batch.error().message.c_str());
    send(*batch);
  }
  return double(memory.size()) / (1 << 20) / Seconds(start);
}

double PageStreamMiBps(const std::vector<uint8_t>& memory, const kernel::remote::TlsContext& source,
                       const kernel::remote::TlsContext& destination) {
  migrate::StagedMemories staged(memory.size() * 2, /*prefault=*/true);
  migrate::PageStreamReceiver::Options options;
  options.host = "127.0.0.1";
  options.tls = &destination;
  options.peer = "node-a";
  auto receiver = migrate::PageStreamReceiver::Start(std::move(options), staged);
  if (!receiver.ok()) TransferDie(receiver.error().message.c_str());
  auto sender =
      migrate::PageStreamSender::Connect("127.0.0.1", (*receiver)->port(), (*receiver)->token(),
                                         &source, "node-b", std::chrono::seconds(10));
  if (!sender.ok()) TransferDie(sender.error().message.c_str());
  const Clock::time_point start = Clock::now();
  EncodeAll(memory, [&](const migrate::PageBatch& batch) {
    VoidResult sent = (*sender)->Send(0, batch);
    if (!sent.ok()) TransferDie(sent.error().message.c_str());
  });
  VoidResult finished = (*sender)->Finish();
  if (!finished.ok()) TransferDie(finished.error().message.c_str());
  const double seconds = Seconds(start);
  std::vector<std::unique_ptr<vm::Memory>> landed = staged.Take();
  if (landed.size() != 1 || landed[0]->size_bytes() != memory.size() ||
      std::memcmp(landed[0]->data(), memory.data(), memory.size()) != 0) {
    TransferDie("the page stream (the memory did not land byte for byte)");
  }
  return double(memory.size()) / (1 << 20) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  if (mib == 0 || mib % 64 != 0 || repeats <= 0) {
    std::fprintf(stderr, "usage: shoal-bench-pages [SIZE_MIB (a multiple of 64)] [REPEATS]\n");
    return 64;
  }
  auto certificates = kernel::remote::MintTestCertificates({"node-a", "node-b"});
  if (!certificates.ok()) TransferDie(certificates.error().message.c_str());
  std::map<std::string, std::unique_ptr<kernel::remote::TlsContext>> contexts;
  for (const char* name : {"node-a", "node-b"}) {
    const auto& id = certificates->at(name);
    auto context = kernel::remote::TlsContext::Create(id.certificate, id.private_key, id.ca);
    if (!context.ok()) TransferDie(context.error().message.c_str());
    contexts[name] = std::move(context).value();
  }
  std::vector<uint8_t> memory(mib << 20);
  std::mt19937_64 random(7);
  for (size_t i = 0; i < memory.size(); i += 8) {
    const uint64_t word = random();
    std::memcpy(memory.data() + i, &word, 8);
  }

  for (int rep = 0; rep < repeats; ++rep) {
    const double encode = EncodeAll(memory, [](const migrate::PageBatch&) {});
    const double stream = PageStreamMiBps(memory, *contexts["node-a"], *contexts["node-b"]);
    const double buffers = bench::PlainTlsMiBps(certificates->at("node-b"), memory.size());
    double to_memory;
    {
      FreshMemory into(memory.size());
      to_memory =
          bench::PlainTlsMiBps(certificates->at("node-b"), memory.size(), memory.data(), into.data);
      if (std::memcmp(into.data, memory.data(), memory.size()) != 0) {
        TransferDie("plain TLS memory to memory (bytes differ)");
      }
    }
    std::printf(
        "%llu MiB: page stream %.0f MiB/s; plain TLS buffers %.0f MiB/s (%.2fx), memory to memory "
        "%.0f MiB/s (%.2fx); encoding alone %.0f MiB/s\n",
        static_cast<unsigned long long>(mib), stream, buffers, stream / buffers, to_memory,
        stream / to_memory, encode);
  }
  return 0;
}
