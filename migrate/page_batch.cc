// Pre-copy page batches (page_batch.h).
#include "migrate/page_batch.h"

#include <sys/mman.h>

#include <algorithm>
#include <string>

#include "kernel/base/byte_size.h"
#include "migrate/page_runs.h"

namespace shoal::migrate {

Result<std::shared_ptr<capnp::MallocMessageBuilder>> EncodePageBatch(
    const uint8_t* memory, uint64_t memory_bytes, std::span<const uint32_t> pages, int zstd_level,
    ZstdTrials* trials) {
  // The pages stay in the batch's own buffer, which the message refers to
  // and which lives as long as it.
  struct Batch : capnp::MallocMessageBuilder {
    std::vector<uint8_t> pages;
  };
  auto batch = std::make_shared<Batch>();
  batch->pages.resize(pages.size() * kRunPageSize);
  TRY(WritePages(memory, memory_bytes, pages, zstd_level, batch->initRoot<proto::image::Memory>(),
                 trials, batch->pages));
  return std::shared_ptr<capnp::MallocMessageBuilder>(std::move(batch));
}

VoidResult StagedMemories::Apply(uint32_t index, proto::image::Memory::Reader batch) {
  TRY(Reserve(index, batch.getPageCount()));
  vm::Memory& memory = *memories_[index];
  return ApplyRuns(batch, index, std::span<uint8_t>(memory.data(), memory.size_bytes()));
}

VoidResult StagedMemories::Reserve(uint32_t index, uint32_t pages) {
  const std::string name = "memory " + std::to_string(index);
  if (index > memories_.size()) {
    return MakeError(Status::kMalformed, "pages of " + name + " came before any of memory " +
                                             std::to_string(memories_.size()));
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

void StagedMemories::Prefault(uint8_t* data, uint64_t bytes) {
  prefaulting_.emplace_back([data, bytes, stop = stop_] {
    // In slices, so that a stop does not wait for gigabytes; a kernel
    // without MADV_POPULATE_WRITE (before 5.14) just refuses the first.
    constexpr uint64_t kSlice = 8 << 20;
    for (uint64_t at = 0; at < bytes && !stop->load(std::memory_order_relaxed); at += kSlice) {
      if (madvise(data + at, std::min(kSlice, bytes - at), MADV_POPULATE_WRITE) != 0) return;
    }
  });
}

void StagedMemories::StopPrefaulting() {
  stop_->store(true, std::memory_order_relaxed);
  for (std::thread& thread : prefaulting_) thread.join();
  prefaulting_.clear();
  stop_ = std::make_shared<std::atomic<bool>>(false);
}

}  // namespace shoal::migrate
