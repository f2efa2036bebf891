#include "migrate/page_runs.h"

#include <capnp/message.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <tuple>

#include "migrate/sample_images.h"

namespace shoal::migrate {
namespace {

namespace pi = proto::image;
using ::testing::HasSubstr;

// A Memory message for one test to write and read back.
struct Runs {
  capnp::MallocMessageBuilder message;
  pi::Memory::Builder root = message.initRoot<pi::Memory>();
  pi::Memory::Reader in() { return root.asReader(); }
};

uint8_t* Page(std::vector<uint8_t>& memory, uint32_t page) {
  return memory.data() + size_t(page) * kRunPageSize;
}

void FillRandom(uint8_t* bytes, size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  for (size_t i = 0; i < size; i += 8) {
    uint64_t word = random();
    std::memcpy(bytes + i, &word, 8);
  }
}

void ExpectRun(pi::PageRun::Reader run, uint32_t first, uint32_t count,
               pi::Compression compression) {
  EXPECT_EQ(run.getFirstPage(), first);
  EXPECT_EQ(run.getPageCount(), count);
  EXPECT_EQ(run.getCompression(), compression) << "run at page " << first;
}

void ExpectError(const VoidResult& result, Status status, const std::string& message) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, status) << result.error().message;
  EXPECT_THAT(result.error().message, HasSubstr(message));
}

TEST(PageRunsTest, RoundsBringAMemoryChangedBetweenThem) {
  std::vector<uint8_t> source = SampleMemory(4);
  std::vector<uint8_t> receiver(source.size(), 0);
  std::vector<uint32_t> all(source.size() / kRunPageSize);
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  Runs first;
  ASSERT_TRUE(WritePages(source.data(), source.size(), all, 1, first.root).ok());
  ASSERT_TRUE(ApplyRuns(first.in(), 0, receiver).ok());
  EXPECT_TRUE(receiver == source);

  // Between rounds: random page 2 written back to zeros, text page 6 and
  // empty page 40 written.
  std::memset(Page(source, 2), 0, kRunPageSize);
  std::memset(Page(source, 6), 'x', kRunPageSize);
  Page(source, 40)[9] = 1;
  ASSERT_FALSE(receiver == source);
  const std::vector<uint32_t> written = {2, 6, 40};
  Runs second;
  ASSERT_TRUE(WritePages(source.data(), source.size(), written, 1, second.root).ok());
  EXPECT_EQ(second.in().getPageCount(), 4u);
  auto runs = second.in().getRuns();
  ASSERT_EQ(runs.size(), 3u);
  ExpectRun(runs[0], 2, 1, pi::Compression::ZERO);
  EXPECT_EQ(runs[0].getBytes().size(), 0u);
  ExpectRun(runs[1], 6, 1, pi::Compression::ZSTD);
  ExpectRun(runs[2], 40, 1, pi::Compression::ZSTD);
  ASSERT_TRUE(ApplyRuns(second.in(), 0, receiver).ok());
  EXPECT_TRUE(receiver == source);
}

TEST(PageRunsTest, ConsecutivePagesOfOneKindShareARun) {
  std::vector<uint8_t> memory(vm::kPageSize, 0);
  for (uint32_t page : {2, 3, 9}) std::memset(Page(memory, page), 7, kRunPageSize);
  const std::vector<uint32_t> pages = {2, 3, 4, 5, 9, 11};
  Runs out;
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), pages, 0, out.root).ok());
  auto runs = out.in().getRuns();
  ASSERT_EQ(runs.size(), 4u);
  ExpectRun(runs[0], 2, 2, pi::Compression::NONE);
  EXPECT_EQ(runs[0].getBytes().size(), 2 * kRunPageSize);
  ExpectRun(runs[1], 4, 2, pi::Compression::ZERO);
  ExpectRun(runs[2], 9, 1, pi::Compression::NONE);
  ExpectRun(runs[3], 11, 1, pi::Compression::ZERO);
}

// How a post-copy's destination walks a batch: each run decoded in turn,
// zero runs with no bytes; a visitor's error stops the walk.
TEST(PageRunsTest, ForEachRunVisitsEachRunDecoded) {
  std::vector<uint8_t> memory(vm::kPageSize, 0);
  FillRandom(Page(memory, 2), 2 * kRunPageSize, 5);  // Incompressible: stored as is.
  std::memset(Page(memory, 9), 7, kRunPageSize);     // Compressible: zstd.
  const std::vector<uint32_t> pages = {2, 3, 4, 5, 9};
  Runs out;
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), pages, 1, out.root).ok());
  std::vector<std::tuple<uint64_t, uint64_t, bool>> seen;
  VoidResult walked = ForEachRun(
      out.in(), 0, [&](uint64_t first, uint64_t count, const uint8_t* data) -> VoidResult {
        seen.emplace_back(first, count, data != nullptr);
        if (data != nullptr) {
          EXPECT_EQ(std::memcmp(data, Page(memory, uint32_t(first)), count * kRunPageSize), 0);
        }
        return Ok();
      });
  ASSERT_TRUE(walked.ok()) << walked.error().message;
  const std::vector<std::tuple<uint64_t, uint64_t, bool>> expected = {
      {2, 2, true}, {4, 2, false}, {9, 1, true}};
  EXPECT_EQ(seen, expected);
  int visits = 0;
  VoidResult stopped = ForEachRun(out.in(), 0, [&](uint64_t, uint64_t, const uint8_t*) {
    ++visits;
    return VoidResult(MakeError(Status::kNotFound, "gone"));
  });
  EXPECT_EQ(stopped.error().status, Status::kNotFound);
  EXPECT_EQ(visits, 1);
}

// A memory sent in many batches is judged as one: after a batch of runs zstd
// could not shrink, the next batch goes raw untried, however it would
// compress, when the batches share their trials; a fresh writer tries again.
TEST(PageRunsTest, ZstdTrialsCarryFromOneBatchToTheNext) {
  const uint32_t kBatch = 4 * kMaxRunPages;  // Four runs: a streak of poor ones.
  std::vector<uint8_t> memory(size_t(2 * kBatch) * kRunPageSize);
  FillRandom(memory.data(), size_t(kBatch) * kRunPageSize, 9);
  std::memset(Page(memory, kBatch), 7, size_t(kBatch) * kRunPageSize);
  std::vector<uint32_t> first(kBatch), second(kBatch);
  for (uint32_t i = 0; i < kBatch; ++i) {
    first[i] = i;
    second[i] = kBatch + i;
  }
  ZstdTrials trials;
  Runs random_runs, carried, fresh;
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), first, 1, random_runs.root, &trials).ok());
  EXPECT_EQ(trials.poor_runs, 4);
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), second, 1, carried.root, &trials).ok());
  for (auto run : carried.in().getRuns()) EXPECT_EQ(run.getCompression(), pi::Compression::NONE);
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), second, 1, fresh.root).ok());
  for (auto run : fresh.in().getRuns()) EXPECT_EQ(run.getCompression(), pi::Compression::ZSTD);
}

TEST(PageRunsTest, LongRunsOfEitherKindAreSplit) {
  std::vector<uint8_t> memory(16 * size_t(vm::kPageSize), 0);
  for (size_t i = 0; i < 100 * kRunPageSize; ++i) memory[i] = uint8_t(i * 7 + i / 4096);
  std::vector<uint32_t> pages(memory.size() / kRunPageSize);
  for (uint32_t i = 0; i < pages.size(); ++i) pages[i] = i;
  Runs out;
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), pages, 1, out.root).ok());
  auto runs = out.in().getRuns();
  ASSERT_EQ(runs.size(), 5u);
  ExpectRun(runs[0], 0, kMaxRunPages, pi::Compression::ZSTD);
  ExpectRun(runs[1], kMaxRunPages, 100 - kMaxRunPages, pi::Compression::ZSTD);
  ExpectRun(runs[2], 100, kMaxRunPages, pi::Compression::ZERO);
  ExpectRun(runs[3], 100 + kMaxRunPages, kMaxRunPages, pi::Compression::ZERO);
  ExpectRun(runs[4], 100 + 2 * kMaxRunPages, 256 - 100 - 2 * kMaxRunPages, pi::Compression::ZERO);
  std::vector<uint8_t> receiver(memory.size(), 0xee);
  ASSERT_TRUE(ApplyRuns(out.in(), 0, receiver).ok());
  EXPECT_TRUE(receiver == memory);
}

TEST(PageRunsTest, BadPageListsAndSizesAreRefused) {
  std::vector<uint8_t> memory(vm::kPageSize, 1);
  Runs out;
  const std::vector<uint32_t> past = {3, 16};
  ExpectError(WritePages(memory.data(), memory.size(), past, 1, out.root), Status::kInvalidArgs,
              "4 KiB page 16 is past the memory's 16");
  const std::vector<uint32_t> unordered = {5, 5};
  ExpectError(WritePages(memory.data(), memory.size(), unordered, 1, out.root),
              Status::kInvalidArgs, "4 KiB page 5 follows page 5: pages must be ascending");
  ExpectError(WritePages(memory.data(), 4096, {}, 1, out.root), Status::kInvalidArgs,
              "a memory of 4096 bytes is not a whole number of Wasm pages");
}

// Four random pages, each its own run between zero pages, then 33 pages of
// text likewise: after four runs that do not shrink, the next 32 are sent raw
// untried, and the one after them is tried again and compressed.
TEST(PageRunsTest, RunsThatDoNotShrinkPauseCompression) {
  std::vector<uint8_t> memory(5 * size_t(vm::kPageSize), 0);
  for (uint32_t page : {0, 2, 4, 6}) FillRandom(Page(memory, page), kRunPageSize, page);
  for (uint32_t page = 8; page <= 8 + 2 * 32; page += 2) {
    std::memset(Page(memory, page), 'a', kRunPageSize);
  }
  Runs whole;
  ASSERT_TRUE(WriteMemory(memory, 1, whole.root).ok());
  auto runs = whole.in().getRuns();
  ASSERT_EQ(runs.size(), 4u + 33u);
  for (uint32_t i = 0; i < 36; ++i) {
    EXPECT_EQ(runs[i].getCompression(), pi::Compression::NONE) << "run " << i;
  }
  ExpectRun(runs[36], 8 + 2 * 32, 1, pi::Compression::ZSTD);
  Result<std::vector<uint8_t>> back = ReadMemory(whole.in(), 0);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == memory);

  // Listed zero pages between the random ones do not break the streak.
  const std::vector<uint32_t> pages = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  Runs listed;
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), pages, 1, listed.root).ok());
  ASSERT_EQ(listed.in().getRuns().size(), 9u);
  ExpectRun(listed.in().getRuns()[8], 8, 1, pi::Compression::NONE);

  // With text first, the streak never reaches four.
  std::memset(Page(memory, 0), 'a', kRunPageSize);
  Runs text_first;
  ASSERT_TRUE(WriteMemory(memory, 1, text_first.root).ok());
  ExpectRun(text_first.in().getRuns()[0], 0, 1, pi::Compression::ZSTD);
  ExpectRun(text_first.in().getRuns()[4], 8, 1, pi::Compression::ZSTD);
}

TEST(PageRunsTest, IncompressibleMemoryRoundTrips) {
  std::vector<uint8_t> memory(16 * size_t(vm::kPageSize));
  FillRandom(memory.data(), memory.size(), 7);
  Runs out;
  ASSERT_TRUE(WriteMemory(memory, 3, out.root).ok());
  for (pi::PageRun::Reader run : out.in().getRuns()) {
    EXPECT_EQ(run.getCompression(), pi::Compression::NONE);
  }
  Result<std::vector<uint8_t>> back = ReadMemory(out.in(), 0);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == memory);
}

// With room kept, raw data runs are referred to there, not copied into the
// message; mixed runs (zero, raw, zstd) still read back exactly.
// Four Wasm pages: random pages 0-19 and 50-52 (stored raw), pages 30-37
// that zstd shrinks, zero pages between; and the list of its first 64.
std::vector<uint8_t> MixedMemory(std::vector<uint32_t>& pages) {
  std::vector<uint8_t> memory(4 * size_t(vm::kPageSize), 0);
  FillRandom(Page(memory, 0), 20 * kRunPageSize, 9);
  std::memset(Page(memory, 30), 5, 8 * kRunPageSize);
  FillRandom(Page(memory, 50), 3 * kRunPageSize, 11);
  pages.resize(64);
  for (uint32_t i = 0; i < pages.size(); ++i) pages[i] = i;
  return memory;
}

TEST(PageRunsTest, PagesKeptOutsideTheMessageReadBackTheSame) {
  std::vector<uint32_t> pages;
  const std::vector<uint8_t> memory = MixedMemory(pages);
  std::vector<uint8_t> keep(pages.size() * kRunPageSize);
  Runs out;
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), pages, 1, out.root, nullptr, keep).ok());
  int referred = 0;
  for (pi::PageRun::Reader run : out.in().getRuns()) {
    const uint8_t* bytes = run.getBytes().begin();
    if (run.getCompression() == pi::Compression::NONE) {
      EXPECT_TRUE(bytes >= keep.data() && bytes < keep.data() + keep.size());
      ++referred;
    }
  }
  EXPECT_EQ(referred, 2);
  std::vector<uint8_t> back(memory.size(), 0xee);
  ASSERT_TRUE(ApplyRuns(out.in(), 0, back).ok());
  EXPECT_TRUE(back == memory);

  std::vector<uint8_t> small(kRunPageSize);
  Runs refused;
  VoidResult written =
      WritePages(memory.data(), memory.size(), pages, 1, refused.root, nullptr, small);
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error().message, HasSubstr("no room kept for 64 pages"));
}

TEST(PageRunsTest, FollowingRunsAreReadInPlaceAndOnlyOnAPageStream) {
  std::vector<uint32_t> pages;
  std::vector<uint8_t> memory = MixedMemory(pages);
  std::vector<uint8_t> keep(pages.size() * kRunPageSize);
  Runs out;
  ASSERT_TRUE(WritePages(memory.data(), memory.size(), pages, 1, out.root, nullptr, keep,
                         RawPages::kFollowing)
                  .ok());
  std::vector<pi::Compression> kinds;
  for (pi::PageRun::Reader run : out.in().getRuns()) {
    kinds.push_back(run.getCompression());
    if (run.getCompression() == pi::Compression::FOLLOWING) {
      EXPECT_EQ(run.getBytes().size(), 0u);
    }
  }
  EXPECT_THAT(kinds, ::testing::Contains(pi::Compression::ZSTD));
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), pi::Compression::FOLLOWING), 2);
  ASSERT_EQ(FollowingBytes(out.in()), 23u * kRunPageSize);
  // The following bytes are the two raw stretches, in run order.
  EXPECT_EQ(std::memcmp(keep.data(), Page(memory, 0), 20 * kRunPageSize), 0);
  EXPECT_EQ(std::memcmp(keep.data() + 20 * kRunPageSize, Page(memory, 50), 3 * kRunPageSize), 0);

  size_t at = 0;
  std::vector<std::pair<size_t, size_t>> reads;  // Where each read landed, and how much.
  std::vector<uint8_t> back(memory.size(), 0xee);
  ReadBytes read = [&](void* data, size_t size) -> VoidResult {
    reads.emplace_back(static_cast<uint8_t*>(data) - back.data(), size);
    std::memcpy(data, keep.data() + at, size);
    at += size;
    return Ok();
  };
  ASSERT_TRUE(ApplyRuns(out.in(), 0, back, &read).ok());
  EXPECT_TRUE(back == memory);
  EXPECT_EQ(reads, (std::vector<std::pair<size_t, size_t>>{{0, 20 * kRunPageSize},
                                                           {50 * kRunPageSize, 3 * kRunPageSize}}));

  // Anywhere but on a page stream, a following run has no bytes to read.
  ExpectError(ApplyRuns(out.in(), 0, back), Status::kMalformed,
              "its bytes follow on a page stream, outside one");
  // And one carrying bytes of its own is refused.
  Runs carrying;
  auto run = carrying.root.initRuns(1)[0];
  carrying.root.setPageCount(1);
  run.setPageCount(1);
  run.setCompression(pi::Compression::FOLLOWING);
  std::vector<uint8_t> page(kRunPageSize, 1);
  run.setBytes(capnp::Data::Reader(page.data(), page.size()));
  std::vector<uint8_t> one(vm::kPageSize);
  ExpectError(ApplyRuns(carrying.in(), 0, one, &read), Status::kMalformed,
              "a following run carrying 4096 bytes");
}

TEST(PageRunsTest, UncoveredPagesKeepTheirContents) {
  std::vector<uint8_t> source(vm::kPageSize, 0);
  std::memset(Page(source, 3), 5, kRunPageSize);
  const std::vector<uint32_t> pages = {3};
  Runs out;
  ASSERT_TRUE(WritePages(source.data(), source.size(), pages, 1, out.root).ok());
  std::vector<uint8_t> receiver(source.size(), 0xab);
  ASSERT_TRUE(ApplyRuns(out.in(), 0, receiver).ok());
  EXPECT_EQ(receiver[3 * kRunPageSize], 5);
  EXPECT_EQ(receiver[4 * kRunPageSize - 1], 5);
  EXPECT_EQ(receiver[3 * kRunPageSize - 1], 0xab);
  EXPECT_EQ(receiver[4 * kRunPageSize], 0xab);
}

TEST(PageRunsTest, ApplyRunsRefusesAZeroRunWithBytesAndAMemoryOfAnotherSize) {
  Runs out;
  out.root.setPageCount(1);
  auto run = out.root.initRuns(1)[0];
  run.setFirstPage(2);
  run.setPageCount(1);
  run.setCompression(pi::Compression::ZERO);
  run.initBytes(5);
  std::vector<uint8_t> memory(vm::kPageSize);
  ExpectError(ApplyRuns(out.in(), 3, memory), Status::kMalformed,
              "memory 3: page run 0 is a zero run carrying 5 bytes");
  memory.resize(2 * vm::kPageSize);
  ExpectError(ApplyRuns(out.in(), 3, memory), Status::kInvalidArgs,
              "memory 3: its runs are for 65536 bytes, not the 131072 given");
}

TEST(PageRunsTest, RunsPastTheMemoryCountNoMoreThanItAndAreRefused) {
  Runs out;
  out.root.setPageCount(1);
  auto run = out.root.initRuns(1)[0];
  run.setFirstPage(0);
  run.setPageCount(1'000'000);
  run.setCompression(pi::Compression::ZERO);
  EXPECT_EQ(CoveredPages(out.in()), 16u);
  Result<kernel::MemoryDelta> delta = ReadDelta(out.in(), 1);
  ASSERT_FALSE(delta.ok());
  EXPECT_EQ(delta.error().status, Status::kMalformed);
  EXPECT_EQ(delta.error().message,
            "memory 1: page run 0 ends at 4 KiB page 1000000, past the memory's 16");
}

TEST(PageRunsTest, DeltaRoundTripsPageByPage) {
  const kernel::MemoryDelta delta = SampleDelta();
  Runs out;
  ASSERT_TRUE(WriteDelta(delta, 1, out.root).ok());
  auto runs = out.in().getRuns();
  ASSERT_EQ(runs.size(), 5u);
  ExpectRun(runs[0], 0, 1, pi::Compression::ZERO);
  ExpectRun(runs[1], 1, 2, pi::Compression::NONE);
  ExpectRun(runs[2], 6, 2, pi::Compression::ZSTD);
  ExpectRun(runs[4], 31, 1, pi::Compression::ZERO);
  EXPECT_EQ(CoveredPages(out.in()), delta.pages.size());
  Result<kernel::MemoryDelta> back = ReadDelta(out.in(), 0);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->size_bytes, delta.size_bytes);
  EXPECT_EQ(back->pages, delta.pages);
  EXPECT_TRUE(back->bytes == delta.bytes);
}

TEST(PageRunsTest, DeltaOfBadShapeIsRefused) {
  Runs out;
  kernel::MemoryDelta delta = SampleDelta();
  delta.bytes.pop_back();
  ExpectError(WriteDelta(delta, 1, out.root), Status::kInvalidArgs,
              "a memory delta of 7 pages holds 28671 bytes, not 28672");
  delta = SampleDelta();
  delta.size_bytes = vm::kPageSize + 1;
  ExpectError(WriteDelta(delta, 1, out.root), Status::kInvalidArgs,
              "a memory of 65537 bytes is not a whole number of Wasm pages");
  delta.size_bytes = (uint64_t{4} << 30) + vm::kPageSize;
  ExpectError(WriteDelta(delta, 1, out.root), Status::kInvalidArgs, "within 4 GiB");
  delta = SampleDelta();
  std::swap(delta.pages[1], delta.pages[2]);
  ExpectError(WriteDelta(delta, 1, out.root), Status::kInvalidArgs, "4 KiB page 1 follows page 2");
  delta = SampleDelta();
  delta.size_bytes = vm::kPageSize;
  ExpectError(WriteDelta(delta, 1, out.root), Status::kInvalidArgs,
              "4 KiB page 31 is past the memory's 16");
}

}  // namespace
}  // namespace shoal::migrate
