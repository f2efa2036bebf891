// Linear memory as runs of 4 KiB pages (page_runs.h).
#include "migrate/page_runs.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "kernel/vm/types.h"

namespace shoal::migrate {
namespace {

namespace pi = proto::image;

constexpr uint64_t kRunPagesPerWasmPage = vm::kPageSize / kRunPageSize;

// zstd costs more time than it saves on memory it cannot shrink (random,
// encrypted, already compressed), and such memory comes in long stretches.
// So after kPoorRunsInARow data runs in a row that it shrinks by less than a
// tenth, a writer sends the next kRunsSentRawAfterPoorOnes data runs raw
// without trying, then tries one again: incompressible memory gets about a
// 33rd of the zstd work, and compressible memory after it is found within
// 32 runs (8 MiB). Never trying again would send all of that raw. Zero runs
// neither count nor break a streak.
constexpr int kPoorRunsInARow = 4;
constexpr int kRunsSentRawAfterPoorOnes = 32;

// A cache line at a time: a page with data, nearly every page sent, is
// told by its first bytes.
bool IsZeroPage(const uint8_t* page) {
  constexpr size_t kLine = 64;
  for (size_t line = 0; line < kRunPageSize; line += kLine) {
    uint64_t any = 0;
    for (size_t i = line; i < line + kLine; i += sizeof(uint64_t)) {
      uint64_t word;
      std::memcpy(&word, page + i, sizeof word);
      any |= word;
    }
    if (any != 0) return false;
  }
  return true;
}

struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

Error ZstdOutOfMemory() {
  return MakeError(Status::kNoMemory, "zstd could not allocate its context");
}

// What a writer does with an all-zero page: a whole memory leaves it out (the
// receiver starts from zeros); listed pages send it as a zero run (the
// receiver may hold older contents).
enum class ZeroPages { kLeaveOut, kSend };

// Builds a Memory's runs from pages handed to it in ascending order. Each
// page is copied once into the run being gathered, and tested and stored
// from that copy. The runs' bytes go into `out`'s message as they are made
// (orphans), and the list, whose length is known only at the end, after.
class RunWriter {
 public:
  RunWriter(int zstd_level, ZeroPages zero_pages, pi::Memory::Builder out,
            ZstdTrials* trials = nullptr, std::span<uint8_t> keep = {},
            RawPages raw = RawPages::kInMessage)
      : keep_(keep),
        following_(raw == RawPages::kFollowing),
        trials_(trials != nullptr ? *trials : own_trials_),
        zstd_level_(zstd_level),
        zero_pages_(zero_pages),
        out_(out),
        orphanage_(capnp::Orphanage::getForMessageContaining(out)),
        gathered_(size_t(kMaxRunPages) * kRunPageSize) {}

  // Adds 4 KiB page `index`, whose contents `page` points at.
  VoidResult Add(uint32_t index, const uint8_t* page) {
    if (count_ != 0 && (first_ + count_ != index || count_ == kMaxRunPages)) TRY(EndRun());
    // A data run's pages fill `gathered_` from its start; anything else
    // keeps none of them, so the new page goes right after them.
    uint8_t* copy = Gathered() + size_t(kind_ == Kind::kData ? count_ : 0) * kRunPageSize;
    std::memcpy(copy, page, kRunPageSize);
    const Kind kind = IsZeroPage(copy) ? Kind::kZero : Kind::kData;
    if (count_ != 0 && kind != kind_) TRY(EndRun());
    if (kind == Kind::kZero && zero_pages_ == ZeroPages::kLeaveOut) return Ok();
    if (count_ == 0) {
      kind_ = kind;
      first_ = index;
    }
    ++count_;
    return Ok();
  }

  // Ends the last run and writes the list of runs into `out`.
  VoidResult Finish() {
    TRY(EndRun());
    auto list = out_.initRuns(uint32_t(runs_.size()));
    for (size_t i = 0; i < runs_.size(); ++i) {
      auto builder = list[uint32_t(i)];
      builder.setFirstPage(runs_[i].first_page);
      builder.setPageCount(runs_[i].page_count);
      builder.setCompression(runs_[i].compression);
      if (runs_[i].bytes != nullptr) builder.adoptBytes(std::move(runs_[i].bytes));
    }
    return Ok();
  }

 private:
  enum class Kind { kData, kZero };

  struct Run {
    uint32_t first_page = 0;
    uint32_t page_count = 0;
    pi::Compression compression = pi::Compression::NONE;
    capnp::Orphan<capnp::Data> bytes;
  };

  VoidResult EndRun() {
    if (count_ == 0) return Ok();
    Run& run = runs_.emplace_back();
    run.first_page = first_;
    run.page_count = count_;
    count_ = 0;
    if (kind_ == Kind::kZero) {
      run.compression = pi::Compression::ZERO;
      return Ok();
    }
    return Store(std::span<const uint8_t>(Gathered(), size_t(run.page_count) * kRunPageSize), run);
  }

  // Whether the next data run tries zstd (kPoorRunsInARow says when not).
  bool ShouldTryZstd() {
    if (zstd_level_ == 0) return false;
    if (trials_.poor_runs < kPoorRunsInARow || trials_.raw_runs == kRunsSentRawAfterPoorOnes) {
      trials_.raw_runs = 0;
      return true;
    }
    ++trials_.raw_runs;
    return false;
  }

  // Stores a data run's bytes raw or as a zstd frame, whichever is smaller.
  VoidResult Store(std::span<const uint8_t> raw, Run& run) {
    if (ShouldTryZstd()) {
      if (!cctx_) {
        cctx_.reset(ZSTD_createCCtx());
        if (!cctx_) return ZstdOutOfMemory();
        packed_.resize(ZSTD_compressBound(gathered_.size()));
      }
      const size_t size = ZSTD_compressCCtx(cctx_.get(), packed_.data(), packed_.size(), raw.data(),
                                            raw.size(), zstd_level_);
      const bool shrank = !ZSTD_isError(size) && size < raw.size();
      trials_.poor_runs =
          shrank && size <= raw.size() - raw.size() / 10 ? 0 : trials_.poor_runs + 1;
      if (shrank) {
        run.compression = pi::Compression::ZSTD;
        run.bytes = orphanage_.newOrphanCopy(capnp::Data::Reader(packed_.data(), size));
        return Ok();
      }
    }
    if (following_) {
      // Sent after the message, from where it was gathered.
      run.compression = pi::Compression::FOLLOWING;
      kept_ += raw.size();
      return Ok();
    }
    if (!keep_.empty()) {
      // The message refers to the kept copy: no second copy, and no
      // zeroed space in the message for one.
      run.bytes = orphanage_.referenceExternalData(capnp::Data::Reader(raw.data(), raw.size()));
      kept_ += raw.size();
      return Ok();
    }
    run.bytes = orphanage_.newOrphanCopy(capnp::Data::Reader(raw.data(), raw.size()));
    return Ok();
  }

  // Where the run being gathered starts: in `keep_` after the runs kept
  // there, else in `gathered_`.
  uint8_t* Gathered() { return keep_.empty() ? gathered_.data() : keep_.data() + kept_; }

  // The caller's room for every page listed, outliving the message: data
  // runs stored raw stay there (kept_ bytes so far), referred to.
  const std::span<uint8_t> keep_;
  const bool following_;  // Data runs stored raw stay in `keep_`, sent after the message.
  size_t kept_ = 0;
  ZstdTrials own_trials_;  // When the caller keeps none.
  ZstdTrials& trials_;
  const int zstd_level_;
  const ZeroPages zero_pages_;
  pi::Memory::Builder out_;
  capnp::Orphanage orphanage_;
  std::vector<Run> runs_;
  // The run being gathered: `count_` pages from `first_`, 0 for none.
  Kind kind_ = Kind::kData;
  uint32_t first_ = 0;
  uint32_t count_ = 0;
  std::vector<uint8_t> gathered_;                     // A data run's copies: kMaxRunPages pages.
  std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> cctx_;  // Made for the first data run.
  std::vector<uint8_t> packed_;
};

VoidResult CheckMemorySize(uint64_t bytes) {
  if (bytes % vm::kPageSize == 0 && bytes <= uint64_t(vm::kMaxPages) * vm::kPageSize) return Ok();
  return MakeError(Status::kInvalidArgs, "a memory of " + std::to_string(bytes) +
                                             " bytes is not a whole number of Wasm pages "
                                             "within 4 GiB");
}

// Writes the listed pages of a memory of `memory_bytes` bytes, the i-th's
// contents at `page_at(i)`, zero pages as zero runs.
template <typename PageAt>
VoidResult WriteListedPages(uint64_t memory_bytes, std::span<const uint32_t> pages, PageAt page_at,
                            int zstd_level, pi::Memory::Builder out, ZstdTrials* trials = nullptr,
                            std::span<uint8_t> keep = {}, RawPages raw = RawPages::kInMessage) {
  TRY(CheckMemorySize(memory_bytes));
  const uint64_t total_pages = memory_bytes / kRunPageSize;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (pages[i] >= total_pages) {
      return MakeError(Status::kInvalidArgs, "4 KiB page " + std::to_string(pages[i]) +
                                                 " is past the memory's " +
                                                 std::to_string(total_pages));
    }
    if (i > 0 && pages[i] <= pages[i - 1]) {
      return MakeError(Status::kInvalidArgs, "4 KiB page " + std::to_string(pages[i]) +
                                                 " follows page " + std::to_string(pages[i - 1]) +
                                                 ": pages must be ascending");
    }
  }
  out.setPageCount(uint32_t(memory_bytes / vm::kPageSize));
  RunWriter writer(zstd_level, ZeroPages::kSend, out, trials, keep, raw);
  for (size_t i = 0; i < pages.size(); ++i) TRY(writer.Add(pages[i], page_at(i)));
  return writer.Finish();
}

Error Malformed(size_t index, std::string message) {
  return MakeError(Status::kMalformed, "memory " + std::to_string(index) + ": " + message);
}

// Fills `dest`, the run's pages, from run `run` (named `name`) of memory
// `index`, a following run with `following` (null: none may come); `dctx`
// is made when first needed.
VoidResult FillRun(pi::PageRun::Reader run, const std::string& name, size_t index,
                   std::span<uint8_t> dest, std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter>& dctx,
                   const ReadBytes* following) {
  capnp::Data::Reader bytes = run.getBytes();
  switch (run.getCompression()) {
    case pi::Compression::NONE:
      if (bytes.size() != dest.size()) {
        return Malformed(index, name + " holds " + std::to_string(bytes.size()) +
                                    " bytes for its " + std::to_string(dest.size()));
      }
      std::memcpy(dest.data(), bytes.begin(), dest.size());
      return Ok();
    case pi::Compression::ZSTD: {
      if (!dctx) {
        dctx.reset(ZSTD_createDCtx());
        if (!dctx) return ZstdOutOfMemory();
      }
      size_t got =
          ZSTD_decompressDCtx(dctx.get(), dest.data(), dest.size(), bytes.begin(), bytes.size());
      if (ZSTD_isError(got)) {
        return Malformed(index, name + " does not decompress: " + ZSTD_getErrorName(got));
      }
      if (got != dest.size()) {
        return Malformed(index, name + " decompresses to " + std::to_string(got) +
                                    " bytes, not its " + std::to_string(dest.size()));
      }
      return Ok();
    }
    case pi::Compression::ZERO:
      if (bytes.size() != 0) {
        return Malformed(
            index, name + " is a zero run carrying " + std::to_string(bytes.size()) + " bytes");
      }
      std::memset(dest.data(), 0, dest.size());
      return Ok();
    case pi::Compression::FOLLOWING:
      if (following == nullptr) {
        return Malformed(index, name + " says its bytes follow on a page stream, outside one");
      }
      if (bytes.size() != 0) {
        return Malformed(index, name + " is a following run carrying " +
                                    std::to_string(bytes.size()) + " bytes of its own");
      }
      return (*following)(dest.data(), dest.size());
  }
  return Malformed(index, name + " has compression " +
                              std::to_string(unsigned(run.getCompression())) +
                              ", which this build does not know");
}

// Checks each run of memory `index` against the memory and the run before
// it, fills it into the bytes `dest(first_page, page_count)` returns, then
// calls `filled(first_page, page_count, bytes, zero)`.
template <typename Dest, typename Filled>
VoidResult DecodeRuns(pi::Memory::Reader in, size_t index, Dest dest, Filled filled,
                      const ReadBytes* following = nullptr) {
  const uint64_t total_pages = uint64_t(in.getPageCount()) * kRunPagesPerWasmPage;
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> dctx;
  uint64_t next_free = 0;  // The first page after the previous run.
  auto runs = in.getRuns();
  for (uint32_t i = 0; i < runs.size(); ++i) {
    auto run = runs[i];
    const uint64_t first = run.getFirstPage();
    const uint64_t count = run.getPageCount();
    const std::string name = "page run " + std::to_string(i);
    if (count == 0) return Malformed(index, name + " holds no pages");
    if (first < next_free) {
      return Malformed(index, name + " starts at 4 KiB page " + std::to_string(first) +
                                  ", before the end of the run before it (page " +
                                  std::to_string(next_free) + ")");
    }
    if (first + count > total_pages) {
      return Malformed(index, name + " ends at 4 KiB page " + std::to_string(first + count) +
                                  ", past the memory's " + std::to_string(total_pages));
    }
    next_free = first + count;
    const std::span<uint8_t> bytes = dest(first, count);
    TRY(FillRun(run, name, index, bytes, dctx, following));
    TRY(filled(first, count, bytes, run.getCompression() == pi::Compression::ZERO));
  }
  return Ok();
}

VoidResult NothingMore(uint64_t, uint64_t, std::span<uint8_t>, bool) { return Ok(); }

}  // namespace

VoidResult WriteMemory(std::span<const uint8_t> memory, int zstd_level, pi::Memory::Builder out) {
  TRY(CheckMemorySize(memory.size()));
  out.setPageCount(uint32_t(memory.size() / vm::kPageSize));
  RunWriter writer(zstd_level, ZeroPages::kLeaveOut, out);
  const uint32_t pages = uint32_t(memory.size() / kRunPageSize);
  for (uint32_t page = 0; page < pages; ++page) {
    TRY(writer.Add(page, memory.data() + size_t(page) * kRunPageSize));
  }
  return writer.Finish();
}

VoidResult WritePages(const uint8_t* memory, uint64_t memory_bytes, std::span<const uint32_t> pages,
                      int zstd_level, pi::Memory::Builder out, ZstdTrials* trials,
                      std::span<uint8_t> keep, RawPages raw) {
  if ((raw == RawPages::kFollowing || !keep.empty()) && keep.size() < pages.size() * kRunPageSize) {
    return MakeError(Status::kInvalidArgs,
                     "no room kept for " + std::to_string(pages.size()) + " pages");
  }
  auto page_at = [&](size_t i) { return memory + uint64_t(pages[i]) * kRunPageSize; };
  return WriteListedPages(memory_bytes, pages, page_at, zstd_level, out, trials, keep, raw);
}

uint64_t FollowingBytes(pi::Memory::Reader in) {
  uint64_t bytes = 0;
  for (pi::PageRun::Reader run : in.getRuns()) {
    if (run.getCompression() == pi::Compression::FOLLOWING) {
      bytes += uint64_t(run.getPageCount()) * kRunPageSize;
    }
  }
  return bytes;
}

VoidResult WriteDelta(const kernel::MemoryDelta& delta, int zstd_level, pi::Memory::Builder out) {
  if (delta.bytes.size() != delta.pages.size() * kRunPageSize) {
    return MakeError(Status::kInvalidArgs,
                     "a memory delta of " + std::to_string(delta.pages.size()) + " pages holds " +
                         std::to_string(delta.bytes.size()) + " bytes, not " +
                         std::to_string(delta.pages.size() * kRunPageSize));
  }
  auto page_at = [&](size_t i) { return delta.bytes.data() + i * kRunPageSize; };
  return WriteListedPages(delta.size_bytes, delta.pages, page_at, zstd_level, out);
}

VoidResult ApplyRuns(pi::Memory::Reader in, size_t index, std::span<uint8_t> memory,
                     const ReadBytes* following) {
  const uint64_t size = uint64_t(in.getPageCount()) * vm::kPageSize;
  if (memory.size() != size) {
    return MakeError(Status::kInvalidArgs, "memory " + std::to_string(index) +
                                               ": its runs are for " + std::to_string(size) +
                                               " bytes, not the " + std::to_string(memory.size()) +
                                               " given");
  }
  return DecodeRuns(
      in, index,
      [&](uint64_t first, uint64_t count) {
        return memory.subspan(first * kRunPageSize, count * kRunPageSize);
      },
      NothingMore, following);
}

VoidResult ForEachRun(pi::Memory::Reader in, size_t index, const RunVisitor& visit) {
  std::vector<uint8_t> scratch;
  return DecodeRuns(
      in, index,
      [&](uint64_t, uint64_t count) {
        scratch.resize(count * kRunPageSize);
        return std::span<uint8_t>(scratch);
      },
      [&](uint64_t first, uint64_t count, std::span<uint8_t> bytes, bool zero) {
        return visit(first, count, zero ? nullptr : bytes.data());
      });
}

Result<std::vector<uint8_t>> ReadMemory(pi::Memory::Reader in, size_t index) {
  std::vector<uint8_t> memory(size_t(in.getPageCount()) * vm::kPageSize);
  TRY(ApplyRuns(in, index, memory));
  return memory;
}

uint64_t CoveredPages(pi::Memory::Reader in) {
  uint64_t pages = 0;  // At most 2^29 runs of under 2^32 pages: no overflow.
  for (pi::PageRun::Reader run : in.getRuns()) pages += run.getPageCount();
  return std::min(pages, uint64_t(in.getPageCount()) * kRunPagesPerWasmPage);
}

Result<kernel::MemoryDelta> ReadDelta(pi::Memory::Reader in, size_t index) {
  kernel::MemoryDelta delta;
  delta.size_bytes = uint64_t(in.getPageCount()) * vm::kPageSize;
  // Runs that pass the checks cover CoveredPages exactly, each page once, so
  // the checked runs never fill past it.
  const uint64_t covered = CoveredPages(in);
  delta.pages.reserve(covered);
  delta.bytes.resize(covered * kRunPageSize);
  size_t filled = 0;
  TRY(DecodeRuns(
      in, index,
      [&](uint64_t first, uint64_t count) {
        for (uint64_t page = first; page < first + count; ++page) {
          delta.pages.push_back(uint32_t(page));
        }
        std::span<uint8_t> dest(delta.bytes.data() + filled, count * kRunPageSize);
        filled += dest.size();
        return dest;
      },
      NothingMore));
  return delta;
}

}  // namespace shoal::migrate
