// shoal-bench-dirty: the costs behind the choice of dirty-page tracking for
// live migration's pre-copy rounds (docs/benchmarks.md, "Dirty tracking").
//
//   shoal-bench-dirty [REPS]
//
// 1. vm::Memory's byte map: TakeDirtyPages() on a 1 GiB memory (262,144
//    pages of 4 KiB) with none, few and all pages dirty, and the first take
//    after StartDirtyTracking(); with none and few also as a freeze takes
//    them, on the memory's own thread. Medians of REPS takes (default 21).
// 2. Linux soft-dirty, the alternative: whether this kernel sets bit 55 of
//    /proc/self/pagemap after a write, and what a clear (writing "4" to
//    /proc/self/clear_refs, which clears the whole process), reading the
//    pagemap of 1 GiB and the first writes after a clear cost.
// Output: one "key value" line per figure, times in ms.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "kernel/vm/runtime.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kPage = shoal::vm::Memory::kDirtyPageSize;
constexpr uint64_t kGiB = uint64_t(1) << 30;
constexpr uint64_t kPages = kGiB / kPage;

double Ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Median time of `reps` runs of `measured`, each after `setup` (not timed).
double MedianMs(int reps, const std::function<void()>& setup,
                const std::function<void()>& measured) {
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    setup();
    const auto start = Clock::now();
    measured();
    times.push_back(Ms(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int ByteMap(int reps) {
  auto created = shoal::vm::Memory::Create(
      shoal::vm::MemoryType{shoal::vm::Limits{kGiB / shoal::vm::kPageSize, std::nullopt}});
  if (!created.ok()) {
    std::fprintf(stderr, "shoal-bench-dirty: %s\n", created.error().message.c_str());
    return 1;
  }
  shoal::vm::Memory& memory = **created;
  size_t reported = 0;
  auto take = [&] { reported = memory.TakeDirtyPages().size(); };
  auto mark_every = [&](uint64_t stride) {
    return [&memory, stride] {
      for (uint64_t p = 0; p < kPages; p += stride) memory.MarkWritten(p * kPage, 1);
    };
  };
  memory.TakeDirtyPages();
  std::printf("map_take_clean_ms %.3f\n", MedianMs(
                                              reps, [] {}, take));
  std::printf("map_take_100_dirty_ms %.3f\n", MedianMs(reps, mark_every(kPages / 100), take));
  // A freeze's take, on the memory's own thread (Taker::kOwnThread).
  auto take_owned = [&] {
    reported = memory.TakeDirtyPages(shoal::vm::Memory::Taker::kOwnThread).size();
  };
  std::printf("map_take_clean_own_thread_ms %.3f\n", MedianMs(
                                                         reps, [] {}, take_owned));
  std::printf("map_take_100_dirty_own_thread_ms %.3f\n",
              MedianMs(reps, mark_every(kPages / 100), take_owned));
  std::printf("map_take_10pct_dirty_ms %.3f\n", MedianMs(reps, mark_every(10), take));
  std::printf("map_take_all_dirty_ms %.3f\n", MedianMs(reps, mark_every(1), take));
  std::printf("map_take_after_start_ms %.3f\n",
              MedianMs(
                  reps, [&] { memory.StartDirtyTracking(); }, take));
  return reported == kPages ? 0 : 1;
}

void SoftDirty(int reps) {
  const int clear_refs = open("/proc/self/clear_refs", O_WRONLY);
  const int pagemap = open("/proc/self/pagemap", O_RDONLY);
  if (clear_refs < 0 || pagemap < 0) {
    std::printf("soft_dirty_available 0 (cannot open /proc/self/clear_refs or pagemap)\n");
    return;
  }
  auto* mem = static_cast<uint8_t*>(mmap(nullptr, kGiB, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  for (uint64_t p = 0; p < kPages; ++p) mem[p * kPage] = 1;
  std::vector<uint64_t> entries(kPages);
  uint64_t soft_dirty = 0, present = 0;
  auto read_pagemap = [&] {
    soft_dirty = present = 0;
    const off_t at = off_t(reinterpret_cast<uintptr_t>(mem) / kPage * sizeof(uint64_t));
    if (pread(pagemap, entries.data(), kPages * sizeof(uint64_t), at) < 0) return;
    for (uint64_t e : entries) {
      soft_dirty += (e >> 55) & 1;
      present += e >> 63;
    }
  };
  auto clear = [&] {
    if (write(clear_refs, "4", 1) != 1) std::perror("clear_refs");
  };
  // Every page was just written: a working soft-dirty sets bit 55 for all.
  read_pagemap();
  std::printf("soft_dirty_available %d (%llu of %llu present pages soft-dirty after writes)\n",
              soft_dirty > 0, static_cast<unsigned long long>(soft_dirty),
              static_cast<unsigned long long>(present));
  std::printf("soft_dirty_clear_ms %.3f\n", MedianMs(
                                                reps, [] {}, clear));
  std::printf("soft_dirty_pagemap_read_ms %.3f\n", MedianMs(
                                                       reps, [] {}, read_pagemap));
  // One write to every other page after a clear: write faults if soft-dirty
  // write-protects the pages, plain stores if it does not.
  uint8_t value = 0;
  auto write_half = [&] {
    ++value;
    for (uint64_t p = 0; p < kPages; p += 2) mem[p * kPage + 8] = value;
  };
  const double after_clear = MedianMs(reps, clear, write_half);
  const double again = MedianMs(
      reps, [] {}, write_half);
  std::printf("soft_dirty_131072_writes_after_clear_ms %.3f\n", after_clear);
  std::printf("soft_dirty_131072_writes_again_ms %.3f\n", again);
  std::printf("soft_dirty_fault_ns_per_page %.0f\n", (after_clear - again) * 1e6 / (kPages / 2));
  munmap(mem, kGiB);
  close(clear_refs);
  close(pagemap);
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 21;
  const int status = ByteMap(reps);
  SoftDirty(reps);
  return status;
}
