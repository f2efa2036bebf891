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

// A batch of pages, ready to send.
struct PageBatch {
  // A proto/image.capnp Memory; it owns the bytes `following` points at.
  std::shared_ptr<capnp::MallocMessageBuilder> message;
  // RawPages::kFollowing: the bytes of the message's following runs, in
  // run order, to send right after it.
  std::span<const uint8_t> following;
};

// Pages `pages` (4 KiB page indices, ascending) of a memory of
// `memory_bytes` at `memory`, as one batch (page_runs.h, WritePages). The
// memory may be written meanwhile (what is written comes again in a later
// round). `trials` carries the zstd decisions from one batch of a memory to
// the next. Errors: WritePages'.
Result<PageBatch> EncodePageBatch(const uint8_t* memory, uint64_t memory_bytes,
                                  std::span<const uint32_t> pages, int zstd_level,
                                  ZstdTrials* trials = nullptr,
                                  RawPages raw = RawPages::kInMessage);

// A process has a handful of memories; every staged one reserves address
// space for its whole 4 GiB, so a sender cannot ask for more than this.
inline constexpr uint32_t kMaxStagedMemories = 64;

// The destination's memories during a pre-copy, filled batch by batch.
//
// With `prefault`, memory a batch grows is faulted in by a thread of its
// own (MADV_POPULATE_WRITE, one range after another, started with the
// first) while the batches that fill it are still on
// their way: the thread laying pages in then finds them present. Faulting
// fresh memory in page by page costs that thread about 0.37 ms per MiB on
// the benchmark VM, as much as decrypting the pages. Round 1 of a pre-copy
// lays every page (zero pages as zero runs), so nothing is committed that
// would not be anyway. Never for a post-copy: its pages must stay missing,
// for userfaultfd to report the process's first touches.
//
// Not thread-safe: one thread uses it at a time (a page stream's, then the
// data plane's loop).
class StagedMemories {
 public:
  // Refuses batches that would take it past `max_bytes` of memory in all.
  explicit StagedMemories(uint64_t max_bytes, bool prefault = false);
  // Stops and joins the prefaulting.
  ~StagedMemories();
  StagedMemories(const StagedMemories&) = delete;
  StagedMemories& operator=(const StagedMemories&) = delete;

  // Lays `batch` over memory `index` (at most one past the last), grown to
  // the batch's pageCount, its following runs read with `following`
  // straight into place (ApplyRuns). Errors: kMalformed for a bad batch (an
  // index out of order, a memory that shrinks, runs ApplyRuns refuses),
  // kNoMemory past max_bytes or when the host refuses memory.
  // kMalformed also for a memory past kMaxStagedMemories; `following`'s.
  VoidResult Apply(uint32_t index, proto::image::Memory::Reader batch,
                   const ReadBytes* following = nullptr);
  // Makes memory `index` (at most one past the last) `pages` Wasm pages
  // large, as a batch of that pageCount and no runs would. Errors as
  // Apply's.
  VoidResult Reserve(uint32_t index, uint32_t pages);
  // The memories, in index order; it is empty afterwards.
  std::vector<std::unique_ptr<vm::Memory>> Take() {
    StopPrefaulting();
    return std::move(memories_);
  }
  bool empty() const { return memories_.empty(); }
  // The memories, in index order (a post-copy registers their pages).
  const std::vector<std::unique_ptr<vm::Memory>>& memories() const { return memories_; }
  // Memory held, in bytes.
  uint64_t bytes() const { return bytes_; }

 private:
  struct Prefaulter;
  // Has [data, data + bytes) faulted in by the prefaulting thread.
  void Prefault(uint8_t* data, uint64_t bytes);
  void StopPrefaulting();

  const uint64_t max_bytes_;
  const bool prefault_;
  uint64_t bytes_ = 0;
  std::vector<std::unique_ptr<vm::Memory>> memories_;
  std::unique_ptr<Prefaulter> prefaulter_;  // From the first grow until stopped.
};

}  // namespace shoal::migrate
