// Linear memory as runs of 4 KiB pages (proto/image.capnp, Memory): how a
// process image keeps a mostly empty 4 GiB memory small, and how pre-copy
// sends only the pages written since its last round.
//
// A whole memory leaves its all-zero pages out. Listed pages (a pre-copy
// round, or the delta a final image carries) are all sent, and an all-zero
// one travels as a `zero` run with no bytes: a page written back to zeros
// must still reach a receiver that holds its old contents. Consecutive
// pages of one kind share a run, at most kMaxRunPages long so that a reader
// or a streaming writer holds little at a time; a run of data is stored as
// is or as one zstd frame, whichever is smaller.
//
// Thread: every function here keeps no state; WritePages may read a memory
// that another thread is writing (see there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/proc/process_image.h"
#include "proto/image.capnp.h"

namespace shoal::migrate {

inline constexpr uint32_t kRunPageSize = 4096;
inline constexpr uint32_t kMaxRunPages = 64;

// Reads exactly `size` bytes into `data`, or fails: where the bytes of a
// page stream's `following` runs come from (page_stream.h).
using ReadBytes = std::function<VoidResult(void* data, size_t size)>;

// Writes `memory`, whole Wasm pages, into `out`, all-zero pages left out.
// `zstd_level` 0 never compresses. Errors: kInvalidArgs for a size that is
// not whole Wasm pages or over 4 GiB; kNoMemory when zstd cannot get its
// context.
VoidResult WriteMemory(std::span<const uint8_t> memory, int zstd_level,
                       proto::image::Memory::Builder out);

// What a writer learned of whether zstd pays on the memory it writes
// (page_runs.cc, kPoorRunsInARow), carried from one call to the next so
// that a memory sent in many small batches is judged as one: otherwise each
// batch would try zstd on its first runs again.
struct ZstdTrials {
  int poor_runs = 0;  // Data runs in a row that zstd shrank by under a tenth.
  int raw_runs = 0;   // Data runs sent raw untried since zstd was last tried.
};

// Where the data runs stored raw travel (WritePages).
enum class RawPages {
  kInMessage,  // In the message, or referred to from it (a post-copy's pushes, an image).
  kFollowing,  // After the message, as `following` runs (a page stream).
};

// Writes the 4 KiB pages `pages` (indices, ascending) of the memory of
// `memory_bytes` bytes at `memory` into `out` as runs, all-zero pages as
// `zero` runs; `out`'s pageCount is the memory's size.
//
// Another thread may write the memory meanwhile (a pre-copy round of a
// running process; the caller sends what was written in a later round).
// Each page is read exactly once, into a copy that everything after (the
// zero test, compression) works from, so a run always holds one consistent
// view of each of its pages.
//
// Errors: kInvalidArgs for a size that is not whole Wasm pages or over
// 4 GiB, or pages out of order or past the memory's end; kNoMemory as
// WriteMemory's.
// `trials`, if given, carries the zstd decisions over from the calls before.
// `keep`, if given, is room for every listed page that outlives `out`'s
// message: pages are gathered there and the data runs stored raw are
// referred to there instead of copied into the message (one copy and one
// zeroing of the message's space less per page). With `raw`
// kFollowing (and `keep`), those runs are `following` runs instead, their
// bytes the first FollowingBytes(out) bytes of `keep`, for a page stream to
// send after the message.
VoidResult WritePages(const uint8_t* memory, uint64_t memory_bytes, std::span<const uint32_t> pages,
                      int zstd_level, proto::image::Memory::Builder out,
                      ZstdTrials* trials = nullptr, std::span<uint8_t> keep = {},
                      RawPages raw = RawPages::kInMessage);

// The bytes the `following` runs of `in` stand for.
uint64_t FollowingBytes(proto::image::Memory::Reader in);

// Writes a memory that went ahead (ProcessImage::memories_ahead): its size,
// and its listed pages as WritePages writes them. Errors as WritePages's,
// and kInvalidArgs for bytes that are not exactly the listed pages.
VoidResult WriteDelta(const kernel::MemoryDelta& delta, int zstd_level,
                      proto::image::Memory::Builder out);

// Writes the runs of `in` into `memory`, which holds exactly `in`'s
// pageCount Wasm pages: data runs copied or decompressed in, zero runs
// cleared; pages no run covers are left as they are. `index` names the
// memory in errors. On an error, the runs before the bad one have been
// written.
//
// A `following` run is read straight into its pages with `following`, in
// run order; without it (anything but a page stream) it is malformed.
//
// Errors: kInvalidArgs for a `memory` of another size; kMalformed for a run
// outside the memory, out of order or overlapping the one before, an
// unknown compression, data that is not exactly the run's pages, a zero or
// following run that carries bytes; kNoMemory when zstd cannot get its
// context; `following`'s.
VoidResult ApplyRuns(proto::image::Memory::Reader in, size_t index, std::span<uint8_t> memory,
                     const ReadBytes* following = nullptr);

// Called for each run in order: `first_page` and `page_count` in 4 KiB
// pages, `data` their contents (page_count * 4096 bytes, valid during the
// call), or null for a zero run. An error stops the walk and is returned.
using RunVisitor =
    std::function<VoidResult(uint64_t first_page, uint64_t page_count, const uint8_t* data)>;
// The runs of `in`, checked as ApplyRuns checks them, each decoded in turn
// (a post-copy's destination places them itself). Errors as ApplyRuns's,
// and the visitor's.
VoidResult ForEachRun(proto::image::Memory::Reader in, size_t index, const RunVisitor& visit);

// A whole memory out of `in`: ApplyRuns over a fresh zeroed memory. The
// caller has checked the page count against its budget. Errors as
// ApplyRuns's.
Result<std::vector<uint8_t>> ReadMemory(proto::image::Memory::Reader in, size_t index);

// The 4 KiB pages the runs of `in` cover, summed without any checks but
// never more than the memory holds: what ReadDelta will allocate, for a
// reader to weigh against its budget first.
uint64_t CoveredPages(proto::image::Memory::Reader in);

// A memory that went ahead out of `in`: its size, and the pages its runs
// cover, in order, with their contents (a zero run's all zeros). The caller
// has checked CoveredPages against its budget. Errors as ApplyRuns's.
Result<kernel::MemoryDelta> ReadDelta(proto::image::Memory::Reader in, size_t index);

}  // namespace shoal::migrate
