#include "migrate/image_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "migrate/page_runs.h"
#include "migrate/sample_images.h"
#include "proto/image.capnp.h"

namespace shoal::migrate {
namespace {

namespace pi = proto::image;
using kernel::ProcessImage;
using ::testing::HasSubstr;

// ProcessImage has no operator==; this compares every field, naming it.
void ExpectSameImage(const ProcessImage& a, const ProcessImage& b) {
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.parent_pid, b.parent_pid);
  EXPECT_EQ(a.args, b.args);
  EXPECT_EQ(a.env, b.env);
  EXPECT_EQ(a.module_sha256, b.module_sha256);
  EXPECT_TRUE(std::ranges::equal(a.module_bytes(), b.module_bytes()));
  EXPECT_EQ(a.page_cap, b.page_cap);
  EXPECT_EQ(a.fuel_limit, b.fuel_limit);
  EXPECT_EQ(a.fuel_used, b.fuel_used);
  EXPECT_EQ(a.cpu_ns, b.cpu_ns);
  ASSERT_EQ(a.instance.globals.size(), b.instance.globals.size());
  for (size_t i = 0; i < a.instance.globals.size(); ++i) {
    EXPECT_EQ(a.instance.globals[i].lo, b.instance.globals[i].lo) << "global " << i;
    EXPECT_EQ(a.instance.globals[i].hi, b.instance.globals[i].hi) << "global " << i;
  }
  ASSERT_EQ(a.instance.memories.size(), b.instance.memories.size());
  for (size_t i = 0; i < a.instance.memories.size(); ++i) {
    EXPECT_TRUE(a.instance.memories[i] == b.instance.memories[i]) << "memory " << i;
  }
  ASSERT_EQ(a.memories_ahead.has_value(), b.memories_ahead.has_value());
  if (a.memories_ahead) {
    ASSERT_EQ(a.memories_ahead->size(), b.memories_ahead->size());
    for (size_t i = 0; i < a.memories_ahead->size(); ++i) {
      const kernel::MemoryDelta& da = (*a.memories_ahead)[i];
      const kernel::MemoryDelta& db = (*b.memories_ahead)[i];
      EXPECT_EQ(da.size_bytes, db.size_bytes) << "memory ahead " << i;
      EXPECT_EQ(da.pages, db.pages) << "memory ahead " << i;
      EXPECT_TRUE(da.bytes == db.bytes) << "memory ahead " << i;
    }
  }
  EXPECT_EQ(a.instance.tables, b.instance.tables);
  EXPECT_EQ(a.instance.dropped_data, b.instance.dropped_data);
  EXPECT_EQ(a.instance.dropped_elems, b.instance.dropped_elems);
  EXPECT_EQ(a.thread, b.thread);
  EXPECT_EQ(a.start_pending, b.start_pending);
  ASSERT_EQ(a.handles.size(), b.handles.size());
  for (size_t i = 0; i < a.handles.size(); ++i) {
    EXPECT_EQ(a.handles[i].value, b.handles[i].value) << "handle " << i;
    EXPECT_EQ(a.handles[i].rights, b.handles[i].rights) << "handle " << i;
    EXPECT_EQ(a.handles[i].type, b.handles[i].type) << "handle " << i;
    EXPECT_EQ(a.handles[i].origin, b.handles[i].origin) << "handle " << i;
    EXPECT_EQ(a.handles[i].timer.state, b.handles[i].timer.state) << "handle " << i;
    EXPECT_EQ(a.handles[i].timer.remaining_ns, b.handles[i].timer.remaining_ns) << "handle " << i;
    const kernel::PortImage& pa = a.handles[i].port;
    const kernel::PortImage& pb = b.handles[i].port;
    ASSERT_EQ(pa.packets.size(), pb.packets.size()) << "handle " << i;
    for (size_t k = 0; k < pa.packets.size(); ++k) {
      EXPECT_EQ(pa.packets[k].key, pb.packets[k].key) << "handle " << i;
      EXPECT_EQ(pa.packets[k].type, pb.packets[k].type) << "handle " << i;
      EXPECT_EQ(pa.packets[k].observed, pb.packets[k].observed) << "handle " << i;
      EXPECT_EQ(pa.packets[k].user, pb.packets[k].user) << "handle " << i;
    }
    ASSERT_EQ(pa.watches.size(), pb.watches.size()) << "handle " << i;
    for (size_t k = 0; k < pa.watches.size(); ++k) {
      EXPECT_EQ(pa.watches[k].handle, pb.watches[k].handle) << "handle " << i;
      EXPECT_EQ(pa.watches[k].signals, pb.watches[k].signals) << "handle " << i;
      EXPECT_EQ(pa.watches[k].key, pb.watches[k].key) << "handle " << i;
    }
    EXPECT_EQ(a.handles[i].channel.peer, b.handles[i].channel.peer) << "handle " << i;
    EXPECT_EQ(a.handles[i].channel.inbox, b.handles[i].channel.inbox) << "handle " << i;
  }
  ASSERT_EQ(a.descriptors.size(), b.descriptors.size());
  for (size_t i = 0; i < a.descriptors.size(); ++i) {
    EXPECT_EQ(a.descriptors[i].fd, b.descriptors[i].fd);
    EXPECT_EQ(a.descriptors[i].handle, b.descriptors[i].handle);
    EXPECT_EQ(a.descriptors[i].kind, b.descriptors[i].kind);
    EXPECT_EQ(a.descriptors[i].position, b.descriptors[i].position);
    EXPECT_EQ(a.descriptors[i].append, b.descriptors[i].append);
    EXPECT_EQ(a.descriptors[i].rights_base, b.descriptors[i].rights_base);
    EXPECT_EQ(a.descriptors[i].rights_inheriting, b.descriptors[i].rights_inheriting);
    EXPECT_EQ(a.descriptors[i].preopen_name, b.descriptors[i].preopen_name);
  }
  EXPECT_EQ(a.startup_handles, b.startup_handles);
  EXPECT_EQ(a.console.start, b.console.start);
  EXPECT_EQ(a.console.bytes, b.console.bytes);
  EXPECT_EQ(a.console.runs, b.console.runs);
  ASSERT_EQ(a.pending_poll.has_value(), b.pending_poll.has_value());
  if (a.pending_poll) {
    EXPECT_EQ(a.pending_poll->elapsed_ns, b.pending_poll->elapsed_ns);
    EXPECT_EQ(a.pending_poll->remaining_ns, b.pending_poll->remaining_ns);
  }
  EXPECT_EQ(a.yield_pending, b.yield_pending);
  ASSERT_EQ(a.terminate_watch.has_value(), b.terminate_watch.has_value());
  if (a.terminate_watch) {
    EXPECT_EQ(a.terminate_watch->port, b.terminate_watch->port);
    EXPECT_EQ(a.terminate_watch->key, b.terminate_watch->key);
  }
  EXPECT_EQ(a.moves, b.moves);
  EXPECT_EQ(a.started_unix_ms, b.started_unix_ms);
}

std::vector<uint8_t> Encode(const ProcessImage& image, const EncodeOptions& options = {}) {
  Result<std::vector<uint8_t>> bytes = EncodeImage(image, options);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message;
  return bytes.ok() ? std::move(bytes).value() : std::vector<uint8_t>{};
}

// Calls `inspect` with the message inside encoded `bytes`.
void InspectMessage(const std::vector<uint8_t>& bytes,
                    const std::function<void(pi::ProcessImage::Reader)>& inspect) {
  kj::ArrayPtr<const capnp::word> words(
      reinterpret_cast<const capnp::word*>(bytes.data() + kImageHeaderSize),
      (bytes.size() - kImageHeaderSize) / sizeof(capnp::word));
  capnp::FlatArrayMessageReader reader(words);
  inspect(reader.getRoot<pi::ProcessImage>());
}

// The sample image, encoded, with its message changed by `edit` and framed
// again with a correct hash: what only the structural checks can refuse.
std::vector<uint8_t> EditedSample(const std::function<void(pi::ProcessImage::Builder)>& edit,
                                  const ProcessImage& image = SampleImage()) {
  capnp::MallocMessageBuilder message;
  InspectMessage(Encode(image, {.allow_live_objects = true}),
                 [&](pi::ProcessImage::Reader root) { message.setRoot(root); });
  edit(message.getRoot<pi::ProcessImage>());
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> payload = words.asBytes();
  return FrameImagePayload(std::span<const uint8_t>(payload.begin(), payload.size()));
}

void ExpectMalformed(const std::vector<uint8_t>& bytes, const std::string& message) {
  Result<ProcessImage> image = DecodeImage(bytes);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().status, Status::kMalformed) << image.error().message;
  EXPECT_THAT(image.error().message, HasSubstr(message));
}

// The sample image (or `image`) with its message changed by `edit` is
// refused with `message`.
void ExpectEditRefused(const std::function<void(pi::ProcessImage::Builder)>& edit,
                       const std::string& message, const ProcessImage& image = SampleImage()) {
  ExpectMalformed(EditedSample(edit, image), message);
}

TEST(ImageCodecTest, RoundTripKeepsEveryField) {
  ProcessImage image = SampleImage();
  Result<ProcessImage> back = DecodeImage(Encode(image));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameImage(image, *back);
}

TEST(ImageCodecTest, RoundTripWithoutPendingPollOrMemory) {
  ProcessImage image = SampleImage();
  image.pending_poll.reset();
  image.instance.memories.clear();
  image.thread = {};
  Result<ProcessImage> back = DecodeImage(Encode(image));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameImage(image, *back);
}

TEST(ImageCodecTest, LiveObjectsGetCapabilityIndicesInHandleOrder) {
  ProcessImage image = SampleImage();
  AddLiveObjects(image);
  std::vector<uint8_t> bytes = Encode(image, {.allow_live_objects = true});
  InspectMessage(bytes, [](pi::ProcessImage::Reader root) {
    auto handles = root.getHandles();
    ASSERT_EQ(handles.size(), 5u);
    EXPECT_EQ(handles[3].getCapIndex(), 0u);
    EXPECT_EQ(handles[4].getCapIndex(), 1u);
  });
  Result<ProcessImage> back = DecodeImage(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameImage(image, *back);
  for (const kernel::HandleImage& handle : back->handles) EXPECT_EQ(handle.object, nullptr);
}

TEST(ImageCodecTest, FileModeRefusesLiveObjects) {
  ProcessImage image = SampleImage();
  AddLiveObjects(image);
  Result<std::vector<uint8_t>> bytes = EncodeImage(image);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().status, Status::kNotSupported);
  EXPECT_EQ(bytes.error().message,
            "handle 0x30004 (a channel) lives on this node and cannot be written to a file");
}

TEST(ImageCodecTest, MemoryOfPartialPagesIsRefused) {
  ProcessImage image = SampleImage();
  image.instance.memories[1].resize(1000);
  Result<std::vector<uint8_t>> bytes = EncodeImage(image);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().status, Status::kInvalidArgs);
  EXPECT_THAT(bytes.error().message, HasSubstr("1000 bytes is not a whole number of Wasm pages"));
}

TEST(ImageCodecTest, WithoutModuleCarriesOnlyItsHash) {
  ProcessImage image = SampleImage();
  image.module = std::make_shared<const std::vector<uint8_t>>(100'000, 0x42);
  image.module_sha256 = HashBytes(image.module_bytes());
  std::vector<uint8_t> with = Encode(image);
  std::vector<uint8_t> without = Encode(image, {.include_module = false});
  EXPECT_LT(without.size() + 100'000, with.size() + 1);
  Result<ProcessImage> back = DecodeImage(without);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->module_bytes().empty());
  EXPECT_EQ(back->module_sha256, image.module_sha256);
}

TEST(ImageCodecTest, ZeroPagesAreLeftOutAndOnlyWhatShrinksIsCompressed) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  InspectMessage(bytes, [](pi::ProcessImage::Reader root) {
    auto memories = root.getInstance().getMemories();
    ASSERT_EQ(memories.size(), 2u);
    EXPECT_EQ(memories[0].getPageCount(), 2u);
    auto runs = memories[0].getRuns();
    ASSERT_EQ(runs.size(), 3u);
    // Random pages 1-3 do not shrink; text pages 5-11 do; page 14 has one byte.
    EXPECT_EQ(runs[0].getFirstPage(), 1u);
    EXPECT_EQ(runs[0].getPageCount(), 3u);
    EXPECT_EQ(runs[0].getCompression(), pi::Compression::NONE);
    EXPECT_EQ(runs[1].getFirstPage(), 5u);
    EXPECT_EQ(runs[1].getPageCount(), 7u);
    EXPECT_EQ(runs[1].getCompression(), pi::Compression::ZSTD);
    EXPECT_LT(runs[1].getBytes().size(), 1000u);
    EXPECT_EQ(runs[2].getFirstPage(), 14u);
    EXPECT_EQ(runs[2].getCompression(), pi::Compression::ZSTD);
    EXPECT_EQ(memories[1].getRuns().size(), 0u);
  });
}

TEST(ImageCodecTest, LevelZeroNeverCompresses) {
  std::vector<uint8_t> bytes = Encode(SampleImage(), {.zstd_level = 0});
  InspectMessage(bytes, [](pi::ProcessImage::Reader root) {
    for (pi::PageRun::Reader run : root.getInstance().getMemories()[0].getRuns()) {
      EXPECT_EQ(run.getCompression(), pi::Compression::NONE);
    }
  });
  Result<ProcessImage> back = DecodeImage(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->instance.memories[0] == SampleImage().instance.memories[0]);
}

TEST(ImageCodecTest, LongRunsAreSplit) {
  ProcessImage image = SampleImage();
  std::vector<uint8_t>& memory = image.instance.memories[0];
  memory.assign(8 * vm::kPageSize, 0);
  for (size_t i = 0; i < 100 * 4096; ++i) memory[4096 + i] = uint8_t(i * 7 + i / 4096);
  std::vector<uint8_t> bytes = Encode(image);
  InspectMessage(bytes, [](pi::ProcessImage::Reader root) {
    auto runs = root.getInstance().getMemories()[0].getRuns();
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].getFirstPage(), 1u);
    EXPECT_EQ(runs[0].getPageCount(), kMaxRunPages);
    EXPECT_EQ(runs[1].getFirstPage(), 1 + kMaxRunPages);
    EXPECT_EQ(runs[1].getPageCount(), 100 - kMaxRunPages);
  });
  Result<ProcessImage> back = DecodeImage(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->instance.memories[0] == memory);
}

TEST(ImageCodecTest, SparseMemoryOf64MiBEncodesSmall) {
  ProcessImage image = SampleImage();
  image.page_cap = 0;
  std::vector<uint8_t> memory = SampleMemory(1024);
  for (size_t i = 0; i < memory.size(); i += 1 << 20) memory[i + 77] = uint8_t(i >> 20);
  image.instance.memories = {memory};
  std::vector<uint8_t> bytes = Encode(image);
  EXPECT_LT(bytes.size(), 64u * 1024);
  Result<ProcessImage> back = DecodeImage(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->instance.memories[0] == memory);
}

TEST(ImageCodecTest, MemoriesAheadRoundTripAsDeltas) {
  ProcessImage image = SampleImageAhead();
  std::vector<uint8_t> bytes = Encode(image);
  InspectMessage(bytes, [](pi::ProcessImage::Reader root) {
    EXPECT_TRUE(root.getMemoriesAhead());
    auto memories = root.getInstance().getMemories();
    ASSERT_EQ(memories.size(), 2u);
    EXPECT_EQ(memories[0].getPageCount(), 2u);
    EXPECT_EQ(memories[0].getRuns()[0].getCompression(), pi::Compression::ZERO);
    EXPECT_EQ(memories[1].getPageCount(), 1u);
    EXPECT_EQ(memories[1].getRuns().size(), 0u);
  });
  Result<ProcessImage> back = DecodeImage(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameImage(image, *back);
  EXPECT_TRUE(back->instance.memories.empty());
}

TEST(ImageCodecTest, WholeMemoriesDecodeWithNoneAhead) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  InspectMessage(bytes,
                 [](pi::ProcessImage::Reader root) { EXPECT_FALSE(root.getMemoriesAhead()); });
  Result<ProcessImage> back = DecodeImage(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_FALSE(back->memories_ahead.has_value());
  EXPECT_EQ(back->instance.memories.size(), 2u);
}

TEST(ImageCodecTest, MemoriesAheadOfBadShapeAreNotWritten) {
  ProcessImage image = SampleImageAhead();
  image.instance.memories = {std::vector<uint8_t>(vm::kPageSize)};
  Result<std::vector<uint8_t>> bytes = EncodeImage(image);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().status, Status::kInvalidArgs);
  EXPECT_EQ(bytes.error().message,
            "an image whose memories went ahead holds 1 whole memories as well");
  image = SampleImageAhead();
  (*image.memories_ahead)[1].size_bytes = 5000;
  bytes = EncodeImage(image);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().status, Status::kInvalidArgs);
  EXPECT_THAT(bytes.error().message, HasSubstr("5000 bytes is not a whole number of Wasm pages"));
}

TEST(ImageCodecTest, BadDeltaRunsAreRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[4].setFirstPage(32);
      },
      "memory 0: page run 4 ends at 4 KiB page 33, past the memory's 32", SampleImageAhead());
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[0].initBytes(1);
      },
      "memory 0: page run 0 is a zero run carrying 1 bytes", SampleImageAhead());
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[2].setFirstPage(2);
      },
      "memory 0: page run 2 starts at 4 KiB page 2, before the end of the run before it (page 3)",
      SampleImageAhead());
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getInstance().getMemories()[1].setPageCount(65); },
      "memory 1 has 65 pages, over the process's cap of 64", SampleImageAhead());
}

// A delta costs the receiver the pages it carries, not the memory's size,
// which the receiver holds already; a zero run costs as much as data.
TEST(ImageCodecTest, BudgetCountsTheDeltaNotTheMemory) {
  ProcessImage image = SampleImageAhead();
  (*image.memories_ahead)[1].size_bytes = 64 * uint64_t(vm::kPageSize);
  const DecodeOptions options{.max_memory_bytes = 7 * 4096};
  Result<ProcessImage> back = DecodeImage(Encode(image), options);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ((*back->memories_ahead)[1].size_bytes, 64 * uint64_t(vm::kPageSize));
  std::vector<uint8_t> bytes = EditedSample(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[4].setPageCount(2);
        root.getInstance().getMemories()[0].getRuns()[4].setFirstPage(30);
      },
      image);
  back = DecodeImage(bytes, options);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().status, Status::kNoMemory);
  EXPECT_THAT(back.error().message, HasSubstr("the image's memories hold 32768 bytes"));
}

TEST(ImageCodecTest, NotAnImage) {
  ExpectMalformed({}, "not a Shoal process image");
  ExpectMalformed({'S', 'H', 'O', 'A', 'L'}, "not a Shoal process image");
  std::vector<uint8_t> bytes = Encode(SampleImage());
  bytes[0] = 's';
  ExpectMalformed(bytes, "not a Shoal process image");
}

TEST(ImageCodecTest, TruncatedHeader) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  bytes.resize(30);
  ExpectMalformed(bytes, "truncated: the header is 56 bytes, 30 present");
}

TEST(ImageCodecTest, WrongVersion) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  bytes[8] = 7;
  ExpectMalformed(bytes, "image format version 7; this build reads version 2");
}

TEST(ImageCodecTest, ReservedFieldSet) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  bytes[12] = 1;
  ExpectMalformed(bytes, "reserved field is 1");
}

TEST(ImageCodecTest, TruncatedPayload) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  const size_t payload = bytes.size() - kImageHeaderSize;
  bytes.resize(bytes.size() - 8);
  ExpectMalformed(bytes, "truncated: the header says " + std::to_string(payload) +
                             " bytes of payload, " + std::to_string(payload - 8) + " present");
}

TEST(ImageCodecTest, BytesAfterThePayload) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  bytes.push_back(0);
  ExpectMalformed(bytes, "but 1 more follow it");
}

TEST(ImageCodecTest, FlippedPayloadByteFailsTheHash) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  bytes[kImageHeaderSize + bytes.size() / 2] ^= 0x10;
  ExpectMalformed(bytes, "corrupt: the SHA-256 of the payload does not match the header");
}

TEST(ImageCodecTest, PayloadThatIsNoMessage) {
  // A segment table announcing 1000 segments, with nothing behind it.
  std::vector<uint8_t> payload(16, 0);
  payload[0] = 0xe7;
  payload[1] = 0x03;
  ExpectMalformed(FrameImagePayload(payload), "the payload is not a process image message");
}

TEST(ImageCodecTest, MisalignedBytesStillDecode) {
  std::vector<uint8_t> bytes = Encode(SampleImage());
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  Result<ProcessImage> back = DecodeImage(std::span<const uint8_t>(shifted).subspan(1));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameImage(SampleImage(), *back);
}

TEST(ImageCodecTest, BadValueTypeIsRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getThread().getFrames()[1].getLocals()[2].setType(0x55);
      },
      "frame 1's locals: value 2 has type 85, which is no value type");
}

TEST(ImageCodecTest, UpperHalfOnlyForV128) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getThread().getFrames()[0].getOperands()[0].setHi(1);
      },
      "frame 0's operands: value 0 is an i64 with a nonzero upper half");
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getThread().getFrames()[0].getLocals()[0].setLo(1ull << 32);
      },
      "value 0 is an i32 wider than 32 bits");
}

TEST(ImageCodecTest, FrameAtNoSafepointIsRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getThread().getFrames()[2].setKind(0); },
      "frame 2 has safepoint kind 0, which is no safepoint");
}

TEST(ImageCodecTest, ConsoleRunsOutOfOrderOrOfNoStreamAreRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getConsole().getRuns()[1].setOffset(100); },
      "the console's stream runs are out of order");
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getConsole().getRuns()[1].setStream(2); },
      "the console's stream runs are out of order");
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getConsole().getRuns()[0].setOffset(0); },
      "the console's first run is not where its bytes start");
}

TEST(ImageCodecTest, OverlappingRunsAreRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[1].setFirstPage(3);
      },
      "memory 0: page run 1 starts at 4 KiB page 3, before the end of the run "
      "before it (page 4)");
}

TEST(ImageCodecTest, RunPastTheMemoryIsRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[2].setFirstPage(40);
      },
      "memory 0: page run 2 ends at 4 KiB page 41, past the memory's 32");
}

TEST(ImageCodecTest, RunOfTheWrongSizeIsRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[0].setPageCount(2);
      },
      "memory 0: page run 0 holds 12288 bytes for its 8192");
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[1].setPageCount(8);
      },
      "memory 0: page run 1 decompresses to 28672 bytes, not its 32768");
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[1].setPageCount(6);
      },
      "memory 0: page run 1 does not decompress");
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getInstance().getMemories()[0].getRuns()[1].setCompression(pi::Compression(9));
      },
      "has compression 9, which this build does not know");
}

TEST(ImageCodecTest, MemoryOverWasm32OrOverBudgetIsRefused) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.setPageCap(0);
        root.getInstance().getMemories()[1].setPageCount(65537);
      },
      "memory 1 has 65537 pages, over wasm32's 65536");
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getInstance().getMemories()[1].setPageCount(65); },
      "memory 1 has 65 pages, over the process's cap of 64");
  Result<ProcessImage> image = DecodeImage(Encode(SampleImage()), {.max_memory_bytes = 65536});
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().status, Status::kNoMemory);
  EXPECT_THAT(image.error().message, HasSubstr("over this reader's limit of 65536"));
}

TEST(ImageCodecTest, WrongModuleHashIsRefused) {
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getModuleSha256()[5] ^= 1; },
                    "the module's bytes do not match its SHA-256");
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.initModuleSha256(20); },
                    "the module's SHA-256 is 20 bytes, not 32");
}

TEST(ImageCodecTest, BadHandlesAreRefused) {
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getHandles()[1].setValue(0); },
                    "handle 1 has value 0");
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getHandles()[1].setValue(0x10001); },
                    "handle 0x10001 appears twice");
  constexpr uint8_t kNoType = kernel::kMaxObjectType + 1;
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getHandles()[0].setType(kNoType); },
      "handle 0x10001 has object type " + std::to_string(kNoType) + ", which is no object type");
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getHandles()[0].setOrigin(8); },
                    "handle 0x10001 has origin 8");
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getHandles()[0].setRights(0x40); },
                    "handle 0x10001 has rights 0x40");
}

TEST(ImageCodecTest, ObjectsMovedByValueRoundTripEvenInAFile) {
  ProcessImage image = SampleImage();
  AddObjectsByValue(image);
  Result<ProcessImage> back = DecodeImage(Encode(image));  // File mode.
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameImage(image, *back);
}

TEST(ImageCodecTest, BadObjectsMovedByValueAreRefused) {
  ProcessImage image = SampleImage();
  AddObjectsByValue(image);
  auto refused = [&](const std::function<void(pi::ProcessImage::Builder)>& edit,
                     const std::string& message) { ExpectEditRefused(edit, message, image); };
  refused([](pi::ProcessImage::Builder root) { root.getHandles()[3].getTimer().setState(3); },
          "handle 0x50004's timer has state 3, which is no timer state");
  refused([](pi::ProcessImage::Builder root) { root.getHandles()[3].getTimer().setState(0); },
          "handle 0x50004's timer is not armed, yet has time remaining");
  refused([](pi::ProcessImage::Builder root) { root.getHandles()[3].setType(5); },
          "handle 0x50004 is a timer moved by value, but its type is");
  refused([](pi::ProcessImage::Builder root) { root.getHandles()[4].setType(4); },
          "handle 0x60005 is a port moved by value, but its type is");
  refused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[4].getPort().getWatches()[0].setHandle(0x999);
      },
      "handle 0x60005 watches handle 0x999, which the image does not hold");
  refused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[4].getPort().getWatches()[1].setSignals(0);
      },
      "handle 0x60005's port watches for signals 0x0, which are none or unknown");
  refused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[4].getPort().getPackets()[1].setType(3);
      },
      "handle 0x60005's port: a port packet of unknown type 3");
  refused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[4].getPort().getPackets()[1].initUser(1);
      },
      "handle 0x60005's port holds a packet with 1 user words and signals 0x5, which its type "
      "does not have");
  refused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[4].getPort().initPackets(kernel::PortOps::kMaxPackets);
      },
      "handle 0x60005's port holds 1024 packets and 2 watches, over the 1024 a port can hold");
  refused([](pi::ProcessImage::Builder root) { root.getHandles()[5].setType(2); },
          "handle 0x70006 is a channel end moved by value, but its type is port");
  refused([](pi::ProcessImage::Builder root) { root.getHandles()[6].getChannel().setPeer(0); },
          "handle 0x70006 is a channel end whose peer 0x80007 is not a channel end paired with it");
  refused(
      [](pi::ProcessImage::Builder root) { root.getHandles()[7].getChannel().setPeer(0x60005); },
      "handle 0x90008 is a channel end whose peer 0x60005 is not a channel end paired with it");
  refused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[7].getChannel().initInbox(kernel::ChannelOps::kMaxQueuedMessages + 1);
      },
      "handle 0x90008's channel end holds 257 messages, over the 256 a channel queues");
  refused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[7].getChannel().getInbox().init(0,
                                                          kernel::ChannelOps::kMaxMessageBytes + 1);
      },
      "handle 0x90008's channel end holds a message of 65537 bytes, over a channel's 65536");
  refused(
      [](pi::ProcessImage::Builder root) { root.getTerminateWatch().getPort().setHandle(0x50005); },
      "the terminate watch names handle 0x50005, which the image does not hold");
}

TEST(ImageCodecTest, CapabilityIndicesOutOfOrderAreRefused) {
  ProcessImage image = SampleImage();
  AddLiveObjects(image);
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) {
        root.getHandles()[3].setCapIndex(1);
        root.getHandles()[4].setCapIndex(0);
      },
      "handle 0x30004 has capability index 1 where 0 belongs", image);
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getHandles()[2].setCapIndex(2); },
                    "handle 0x20003 has capability index 2 where 0 belongs");
}

TEST(ImageCodecTest, DescriptorsAndStartupHandlesMustNameHandles) {
  ExpectEditRefused(
      [](pi::ProcessImage::Builder root) { root.getDescriptors()[1].setHandle(0x999); },
      "descriptor 1 views handle 0x999, which the image does not hold");
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getDescriptors()[1].setFd(0); },
                    "descriptor 0 appears twice");
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getDescriptors()[2].setKind(4); },
                    "descriptor 2 has kind 4");
  ExpectEditRefused([](pi::ProcessImage::Builder root) { root.getStartupHandles().set(0, 0x777); },
                    "startup handle 0x777 is not one of the image's handles");
}

}  // namespace
}  // namespace shoal::migrate
