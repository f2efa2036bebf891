// Pre-copy page batches (page_batch.h).
#include "migrate/page_batch.h"

#include <sys/mman.h>

#include <algorithm>
#include <deque>
#include <string>
#include <thread>
#include <utility>

#include "kernel/base/byte_size.h"
#include "kernel/base/thread_annotations.h"
#include "migrate/page_runs.h"

namespace shoal::migrate {

Result<PageBatch> EncodePageBatch(const uint8_t* memory, uint64_t memory_bytes,
                                  std::span<const uint32_t> pages, int zstd_level,
                                  ZstdTrials* trials, RawPages raw) {
  // The pages stay in the batch's own buffer, which the message refers to
  // (or which follows it) and which lives as long as it.
  struct Batch : capnp::MallocMessageBuilder {
    std::unique_ptr<uint8_t[]> pages;  // Not zeroed: every byte used is written first.
  };
  auto batch = std::make_shared<Batch>();
  const size_t bytes = pages.size() * kRunPageSize;
  batch->pages.reset(new uint8_t[bytes]);
  auto root = batch->initRoot<proto::image::Memory>();
  TRY(WritePages(memory, memory_bytes, pages, zstd_level, root, trials,
                 std::span<uint8_t>(batch->pages.get(), bytes), raw));
  PageBatch out;
  if (raw == RawPages::kFollowing)
    out.following = std::span(batch->pages.get(), FollowingBytes(root.asReader()));
  out.message = std::move(batch);
  return out;
}

VoidResult StagedMemories::Apply(uint32_t index, proto::image::Memory::Reader batch,
                                 const ReadBytes* following) {
  TRY(Reserve(index, batch.getPageCount()));
  vm::Memory& memory = *memories_[index];
  return ApplyRuns(batch, index, std::span<uint8_t>(memory.data(), memory.size_bytes()), following);
}

VoidResult StagedMemories::Reserve(uint32_t index, uint32_t pages) {
  const std::string name = "memory " + std::to_string(index);
  if (index > memories_.size()) {
    return MakeError(Status::kMalformed, "pages of " + name + " came before any of memory " +
                                             std::to_string(memories_.size()));
  }
  if (index >= kMaxStagedMemories) {
    return MakeError(Status::kMalformed, "pages of " + name + ": a process has at most " +
                                             std::to_string(kMaxStagedMemories) + " memories");
  }
  if (index == memories_.size()) {
    memories_.push_back(TRY(vm::Memory::Create(vm::MemoryType{})));
  }
  vm::Memory& memory = *memories_[index];
  if (pages < memory.pages()) {
    return MakeError(Status::kMalformed, name + " shrank from " + std::to_string(memory.pages()) +
                                             " to " + std::to_string(pages) + " pages");
  }
  const uint64_t grow = uint64_t(pages - memory.pages()) * vm::kPageSize;
  if (grow == 0) return Ok();
  if (bytes_ + grow > max_bytes_) {
    return MakeError(Status::kNoMemory,
                     "the memories sent ahead would take more than " + FormatByteSize(max_bytes_));
  }
  if (!memory.Grow(pages - memory.pages())) {
    return MakeError(Status::kNoMemory,
                     name + " cannot grow to " + std::to_string(pages) + " pages here");
  }
  bytes_ += grow;
  if (prefault_) Prefault(memory.data() + memory.size_bytes() - grow, grow);
  return Ok();
}

// One thread that faults ranges in, in order, until stopped.
struct StagedMemories::Prefaulter {
  Prefaulter() : thread([this] { Run(); }) {}
  ~Prefaulter() {
    {
      MutexLock lock(&mu);
      stopping = true;
      cv.SignalAll();
    }
    thread.join();
  }
  void Add(uint8_t* data, uint64_t bytes) {
    MutexLock lock(&mu);
    ranges.emplace_back(data, bytes);
    cv.SignalAll();
  }
  // In slices, so that a stop does not wait for gigabytes; a kernel
  // without MADV_POPULATE_WRITE (before 5.14) just refuses each range.
  void Run() {
    constexpr uint64_t kSlice = 8 << 20;
    for (;;) {
      std::pair<uint8_t*, uint64_t> range;
      {
        MutexLock lock(&mu);
        while (ranges.empty() && !stopping) cv.Wait(mu);
        if (stopping) return;
        range = ranges.front();
        ranges.pop_front();
      }
      for (uint64_t at = 0; at < range.second; at += kSlice) {
        {
          MutexLock lock(&mu);
          if (stopping) return;
        }
        const uint64_t size = std::min(kSlice, range.second - at);
        if (madvise(range.first + at, size, MADV_POPULATE_WRITE) != 0) break;
      }
    }
  }

  Mutex mu;
  CondVar cv;
  std::deque<std::pair<uint8_t*, uint64_t>> ranges GUARDED_BY(mu);
  bool stopping GUARDED_BY(mu) = false;
  std::thread thread;  // Last: it starts once the rest is there.
};

StagedMemories::StagedMemories(uint64_t max_bytes, bool prefault)
    : max_bytes_(max_bytes), prefault_(prefault) {}

StagedMemories::~StagedMemories() { StopPrefaulting(); }

void StagedMemories::Prefault(uint8_t* data, uint64_t bytes) {
  if (prefaulter_ == nullptr) prefaulter_ = std::make_unique<Prefaulter>();
  prefaulter_->Add(data, bytes);
}

void StagedMemories::StopPrefaulting() { prefaulter_.reset(); }

}  // namespace shoal::migrate
