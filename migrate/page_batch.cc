// Pre-copy page batches (page_batch.h).
#include "migrate/page_batch.h"

#include <string>

#include "kernel/base/byte_size.h"
#include "migrate/page_runs.h"

namespace shoal::migrate {

Result<std::shared_ptr<capnp::MallocMessageBuilder>> EncodePageBatch(
    const uint8_t* memory, uint64_t memory_bytes, std::span<const uint32_t> pages, int zstd_level,
    ZstdTrials* trials) {
  auto message = std::make_shared<capnp::MallocMessageBuilder>();
  TRY(WritePages(memory, memory_bytes, pages, zstd_level, message->initRoot<proto::image::Memory>(),
                 trials));
  return message;
}

VoidResult StagedMemories::Apply(uint32_t index, proto::image::Memory::Reader batch) {
  const std::string name = "memory " + std::to_string(index);
  if (index > memories_.size()) {
    return MakeError(Status::kMalformed, "pages of " + name + " came before any of memory " +
                                             std::to_string(memories_.size()));
  }
  if (index == memories_.size()) {
    memories_.push_back(TRY(vm::Memory::Create(vm::MemoryType{})));
  }
  vm::Memory& memory = *memories_[index];
  const uint32_t pages = batch.getPageCount();
  if (pages < memory.pages()) {
    return MakeError(Status::kMalformed, name + " shrank from " + std::to_string(memory.pages()) +
                                             " to " + std::to_string(pages) + " pages");
  }
  const uint64_t grow = uint64_t(pages - memory.pages()) * vm::kPageSize;
  if (grow > 0) {
    if (bytes_ + grow > max_bytes_) {
      return MakeError(Status::kNoMemory, "the memories sent ahead would take more than " +
                                              FormatByteSize(max_bytes_));
    }
    if (!memory.Grow(pages - memory.pages())) {
      return MakeError(Status::kNoMemory,
                       name + " cannot grow to " + std::to_string(pages) + " pages here");
    }
    bytes_ += grow;
  }
  return ApplyRuns(batch, index, std::span<uint8_t>(memory.data(), memory.size_bytes()));
}

}  // namespace shoal::migrate
