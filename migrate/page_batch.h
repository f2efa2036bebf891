// The pages of a pre-copy (docs/migration.md, "Pre-copy"): batches of a
// running process's memory pages sent ahead of its image, and the
// destination's memories they fill, which the restored process takes over
// without a copy (kernel::RestoreRequest::memories_ahead).
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/runtime.h"
#include "migrate/page_runs.h"
#include "proto/image.capnp.h"

namespace shoal::migrate {

// Pages `pages` (4 KiB page indices, ascending) of a memory of
// `memory_bytes` at `memory`, as one proto/image.capnp Memory (page_runs.h,
// WritePages). The memory may be written meanwhile (what is written comes
// again in a later round). `trials` carries the zstd decisions from one
// batch of a memory to the next. Errors: WritePages'.
Result<std::shared_ptr<capnp::MallocMessageBuilder>> EncodePageBatch(
    const uint8_t* memory, uint64_t memory_bytes, std::span<const uint32_t> pages, int zstd_level,
    ZstdTrials* trials = nullptr);

// The destination's memories during a pre-copy, filled batch by batch.
// Not thread-safe: one thread (the data plane's loop) uses it.
class StagedMemories {
 public:
  // Refuses batches that would take it past `max_bytes` of memory in all.
  explicit StagedMemories(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // Lays `batch` over memory `index` (at most one past the last), grown to
  // the batch's pageCount. Errors: kMalformed for a bad batch (an index
  // out of order, a memory that shrinks, runs ApplyRuns refuses),
  // kNoMemory past max_bytes or when the host refuses memory.
  VoidResult Apply(uint32_t index, proto::image::Memory::Reader batch);
  // The memories, in index order; it is empty afterwards.
  std::vector<std::unique_ptr<vm::Memory>> Take() { return std::move(memories_); }
  bool empty() const { return memories_.empty(); }
  // The memories, in index order (a post-copy registers their pages).
  const std::vector<std::unique_ptr<vm::Memory>>& memories() const { return memories_; }
  // Memory held, in bytes.
  uint64_t bytes() const { return bytes_; }

 private:
  const uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  std::vector<std::unique_ptr<vm::Memory>> memories_;
};

}  // namespace shoal::migrate
