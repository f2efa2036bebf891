// Linear memory as runs of non-zero 4 KiB pages (proto/image.capnp,
// Memory): how a process image keeps a mostly empty 4 GiB memory small.
//
// All-zero pages are left out; each run of consecutive non-zero pages, at
// most kMaxRunPages long so that a reader or a later streaming writer holds
// little at a time, is stored as is or as one zstd frame, whichever is
// smaller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "proto/image.capnp.h"

namespace shoal::migrate {

inline constexpr uint32_t kRunPageSize = 4096;
inline constexpr uint32_t kMaxRunPages = 64;

// Writes `memory`, whole Wasm pages, into `out`. `zstd_level` 0 never
// compresses. Errors: kInvalidArgs for a size that is not whole Wasm pages
// or over 4 GiB; kNoMemory when zstd cannot get its context.
VoidResult WriteMemory(std::span<const uint8_t> memory, int zstd_level,
                       proto::image::Memory::Builder out);

// Rebuilds the contents of memory `index` (the index names it in errors)
// from `in`: zero-filled, the runs copied or decompressed in. The caller has
// checked the page count against its budget. Errors (kMalformed): a run
// outside the memory, out of order or overlapping the one before, an
// unknown compression, bytes that are not exactly the run's pages.
Result<std::vector<uint8_t>> ReadMemory(proto::image::Memory::Reader in, size_t index);

}  // namespace shoal::migrate
