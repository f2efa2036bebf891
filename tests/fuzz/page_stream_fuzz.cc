// libFuzzer target: the destination's reading of a migration's page stream
// after its hello (migrate/page_stream.h, ReceivePages): frame headers,
// Cap'n Proto messages of memory batches, and the runs laid into staged
// memories, the bytes of following runs read straight into them.
//
// The contract under test: any bytes yield Ok (an end after good batches)
// or an Error, never a crash, a sanitizer report, a read past the input or
// memory past the staged budget.
//
// Seeds: with SHOAL_PAGE_FUZZ_RECORD=DIR the binary instead writes a few
// well-formed streams into DIR/seed_<name> and exits; build-and-run.sh does
// that before fuzzing.
#include <capnp/serialize.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "migrate/page_stream.h"

namespace {

using namespace shoal;
using namespace shoal::migrate;

constexpr uint64_t kBudget = 16 << 20;

void Put(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(uint8_t(value >> (8 * i)));
}

// A stream of the listed pages of a memory of `wasm_pages`, in batches of
// `per_batch`, then its end.
std::vector<uint8_t> Stream(uint32_t wasm_pages, uint32_t per_batch, uint8_t seed) {
  std::vector<uint8_t> memory(size_t(wasm_pages) * 65536);
  uint32_t random = seed;
  for (size_t i = 0; i < memory.size(); ++i) {
    random = random * 1664525 + 1013904223;
    // Zero pages; compressible pages (zstd runs) in the first half, random
    // ones (following runs) in the second.
    memory[i] = (i / 4096) % 3 == 1     ? 0
                : i < memory.size() / 2 ? uint8_t((i / 64) * seed)
                                        : uint8_t(random >> 24);
  }
  std::vector<uint8_t> out;
  const uint32_t pages = uint32_t(memory.size() / 4096);
  for (uint32_t first = 0; first < pages; first += per_batch) {
    std::vector<uint32_t> list;
    for (uint32_t p = first; p < pages && p < first + per_batch; ++p) list.push_back(p);
    auto batch =
        EncodePageBatch(memory.data(), memory.size(), list, 1, nullptr, RawPages::kFollowing);
    if (!batch.ok()) std::abort();
    kj::Array<capnp::word> words = capnp::messageToFlatArray(*batch->message);
    Put(out, kPageFramePages, 4);
    Put(out, 0, 4);
    Put(out, words.asBytes().size(), 8);
    out.insert(out.end(), words.asBytes().begin(), words.asBytes().end());
    out.insert(out.end(), batch->following.begin(), batch->following.end());
  }
  Put(out, kPageFrameEnd, 4);
  Put(out, 0, 4);
  Put(out, 0, 8);
  return out;
}

void Record(const std::string& dir) {
  const std::pair<const char*, std::vector<uint8_t>> seeds[] = {
      {"one_batch", Stream(1, 16, 3)},
      {"many_batches", Stream(2, 5, 7)},
  };
  for (const auto& [name, bytes] : seeds) {
    std::ofstream(dir + "/seed_" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("SHOAL_PAGE_FUZZ_RECORD")) {
    Record(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  StagedMemories staged(kBudget);
  size_t at = 0;
  VoidResult received = ReceivePages(
      [&](void* out, size_t n) -> VoidResult {
        if (size - at < n) return MakeError(Status::kPeerGone, "the input ended");
        std::memcpy(out, data + at, n);
        at += n;
        return Ok();
      },
      staged, nullptr);
  if (staged.bytes() > kBudget) std::abort();
  (void)received;
  return 0;
}
