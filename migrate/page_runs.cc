// Linear memory as runs of non-zero 4 KiB pages (page_runs.h).
#include "migrate/page_runs.h"

#include <zstd.h>

#include <cstring>
#include <memory>
#include <string>

#include "kernel/vm/types.h"

namespace shoal::migrate {
namespace {

constexpr uint64_t kRunPagesPerWasmPage = vm::kPageSize / kRunPageSize;

struct Run {
  uint32_t first_page = 0;
  uint32_t page_count = 0;
};

bool IsZeroPage(const uint8_t* page) {
  uint64_t any = 0;
  for (size_t i = 0; i < kRunPageSize; i += sizeof(uint64_t)) {
    uint64_t word;
    std::memcpy(&word, page + i, sizeof word);
    any |= word;
  }
  return any == 0;
}

// The runs of non-zero pages, each at most kMaxRunPages long.
std::vector<Run> FindRuns(std::span<const uint8_t> memory) {
  std::vector<Run> runs;
  const uint32_t pages = uint32_t(memory.size() / kRunPageSize);
  for (uint32_t page = 0; page < pages; ++page) {
    if (IsZeroPage(memory.data() + size_t(page) * kRunPageSize)) continue;
    if (!runs.empty() && runs.back().first_page + runs.back().page_count == page &&
        runs.back().page_count < kMaxRunPages) {
      ++runs.back().page_count;
    } else {
      runs.push_back({page, 1});
    }
  }
  return runs;
}

struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

Error Malformed(size_t index, std::string message) {
  return MakeError(Status::kMalformed, "memory " + std::to_string(index) + ": " + message);
}

}  // namespace

VoidResult WriteMemory(std::span<const uint8_t> memory, int zstd_level,
                       proto::image::Memory::Builder out) {
  if (memory.size() % vm::kPageSize != 0 ||
      memory.size() > uint64_t(vm::kMaxPages) * vm::kPageSize) {
    return MakeError(Status::kInvalidArgs, "a memory of " + std::to_string(memory.size()) +
                                               " bytes is not a whole number of Wasm pages "
                                               "within 4 GiB");
  }
  out.setPageCount(uint32_t(memory.size() / vm::kPageSize));
  std::vector<Run> runs = FindRuns(memory);
  std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> cctx;
  std::vector<uint8_t> packed;
  if (zstd_level != 0 && !runs.empty()) {
    cctx.reset(ZSTD_createCCtx());
    if (!cctx) return MakeError(Status::kNoMemory, "zstd could not allocate its context");
    packed.resize(ZSTD_compressBound(size_t(kMaxRunPages) * kRunPageSize));
  }
  auto list = out.initRuns(uint32_t(runs.size()));
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    auto builder = list[uint32_t(i)];
    builder.setFirstPage(run.first_page);
    builder.setPageCount(run.page_count);
    std::span<const uint8_t> raw = memory.subspan(size_t(run.first_page) * kRunPageSize,
                                                  size_t(run.page_count) * kRunPageSize);
    if (cctx) {
      size_t size = ZSTD_compressCCtx(cctx.get(), packed.data(), packed.size(), raw.data(),
                                      raw.size(), zstd_level);
      if (!ZSTD_isError(size) && size < raw.size()) {
        builder.setCompression(proto::image::Compression::ZSTD);
        builder.setBytes(capnp::Data::Reader(packed.data(), size));
        continue;
      }
    }
    builder.setCompression(proto::image::Compression::NONE);
    builder.setBytes(capnp::Data::Reader(raw.data(), raw.size()));
  }
  return Ok();
}

Result<std::vector<uint8_t>> ReadMemory(proto::image::Memory::Reader in, size_t index) {
  const uint64_t total_pages = uint64_t(in.getPageCount()) * kRunPagesPerWasmPage;
  std::vector<uint8_t> memory(size_t(in.getPageCount()) * vm::kPageSize);
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
    uint8_t* dest = memory.data() + first * kRunPageSize;
    const size_t size = count * kRunPageSize;
    capnp::Data::Reader bytes = run.getBytes();
    switch (run.getCompression()) {
      case proto::image::Compression::NONE:
        if (bytes.size() != size) {
          return Malformed(index, name + " holds " + std::to_string(bytes.size()) +
                                      " bytes for its " + std::to_string(size));
        }
        std::memcpy(dest, bytes.begin(), size);
        break;
      case proto::image::Compression::ZSTD: {
        if (!dctx) {
          dctx.reset(ZSTD_createDCtx());
          if (!dctx) return MakeError(Status::kNoMemory, "zstd could not allocate its context");
        }
        size_t got = ZSTD_decompressDCtx(dctx.get(), dest, size, bytes.begin(), bytes.size());
        if (ZSTD_isError(got)) {
          return Malformed(index, name + " does not decompress: " + ZSTD_getErrorName(got));
        }
        if (got != size) {
          return Malformed(index, name + " decompresses to " + std::to_string(got) +
                                      " bytes, not its " + std::to_string(size));
        }
        break;
      }
      default:
        return Malformed(index, name + " has compression " +
                                    std::to_string(unsigned(run.getCompression())) +
                                    ", which this build does not know");
    }
  }
  return memory;
}

}  // namespace shoal::migrate
