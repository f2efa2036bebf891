#include "rdev/synthetic_jpeg.h"

#include <gtest/gtest.h>

#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>

// jpeglib.h needs FILE and size_t declared before it (<cstdio>, <cstddef>).
// clang-format off
#include <jpeglib.h>
// clang-format on

#include "rdev/synthetic_camera.h"

namespace shoal::rdev {
namespace {

constexpr CameraMode kVga{PixelFormat::kMjpeg, 640, 480, {30, 1}};

// A JPEG decoded by libjpeg, with what its header said.
struct Decoded {
  uint32_t width = 0, height = 0, components = 0;
  std::vector<uint8_t> rgb;
};

struct DecodeErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
};

// Decodes `jpeg` to RGB; nullopt when libjpeg finds an error or a warning
// (a damaged stream).
std::optional<Decoded> Decode(const std::vector<uint8_t>& jpeg) {
  Decoded decoded;  // Outside the jump: nothing with a destructor is skipped.
  jpeg_decompress_struct cinfo;
  DecodeErrors errors;
  cinfo.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = [](j_common_ptr c) {
    std::longjmp(reinterpret_cast<DecodeErrors*>(c->err)->jump, 1);
  };
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_decompress(&cinfo);
    return std::nullopt;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, jpeg.data(), jpeg.size());
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  decoded.width = cinfo.output_width;
  decoded.height = cinfo.output_height;
  decoded.components = uint32_t(cinfo.output_components);
  decoded.rgb.resize(size_t(decoded.width) * decoded.height * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = decoded.rgb.data() + size_t(cinfo.output_scanline) * decoded.width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  bool warned = errors.manager.num_warnings != 0;
  jpeg_destroy_decompress(&cinfo);
  if (warned) return std::nullopt;
  return decoded;
}

TEST(SyntheticJpegTest, FramesAreJpegsOfTheModeWithTheirStampInTheLeadingComment) {
  Result<SyntheticJpeg> jpeg = SyntheticJpeg::Create(kVga);
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  FramePool pool(4);
  for (uint64_t sequence : {0u, 1u, 37u}) {
    uint64_t capture_ns = 1'700'000'000'000'000'000 + sequence * 33'333'333;
    Result<std::shared_ptr<std::vector<uint8_t>>> frame = jpeg->Frame(sequence, capture_ns, pool);
    ASSERT_TRUE(frame.ok()) << frame.error().message;
    const std::vector<uint8_t>& bytes = **frame;
    EXPECT_LE(bytes.size(), MaxFrameBytes(kVga));
    Result<SyntheticStamp> stamp = ReadSyntheticStamp(kVga, bytes);
    ASSERT_TRUE(stamp.ok()) << stamp.error().message;
    EXPECT_EQ(*stamp, (SyntheticStamp{sequence, capture_ns}));
    std::optional<Decoded> decoded = Decode(bytes);
    ASSERT_TRUE(decoded.has_value()) << "frame " << sequence << " does not decode cleanly";
    EXPECT_EQ(decoded->width, 640u);
    EXPECT_EQ(decoded->height, 480u);
    EXPECT_EQ(decoded->components, 3u);
  }
}

TEST(SyntheticJpegTest, EveryMjpegModeOfTheCameraMakesAFrameThatDecodesAndVerifies) {
  FramePool pool(4);
  size_t modes = 0;
  for (const CameraMode& mode : SyntheticCameraModes()) {
    if (mode.format != PixelFormat::kMjpeg) continue;
    ++modes;
    Result<SyntheticJpeg> jpeg = SyntheticJpeg::Create(mode);
    ASSERT_TRUE(jpeg.ok()) << FormatMode(mode) << ": " << jpeg.error().message;
    std::vector<uint8_t> frame = **jpeg->Frame(41, 1'700'000'000'123'456'789, pool);
    Result<SyntheticStamp> stamp = ReadSyntheticStamp(mode, frame);
    ASSERT_TRUE(stamp.ok()) << FormatMode(mode) << ": " << stamp.error().message;
    EXPECT_EQ(*stamp, (SyntheticStamp{41, 1'700'000'000'123'456'789}));
    std::optional<Decoded> decoded = Decode(frame);
    ASSERT_TRUE(decoded.has_value()) << FormatMode(mode);
    EXPECT_EQ(decoded->width, mode.width);
    EXPECT_EQ(decoded->height, mode.height);
  }
  EXPECT_EQ(modes, 8u);
}

TEST(SyntheticJpegTest, TheDecodedPictureIsThePatternWithinJpegLoss) {
  Result<SyntheticJpeg> jpeg = SyntheticJpeg::Create(kVga);
  ASSERT_TRUE(jpeg.ok());
  FramePool pool(4);
  constexpr uint64_t kSequence = 5;
  std::optional<Decoded> decoded = Decode(**jpeg->Frame(kSequence, 1, pool));
  ASSERT_TRUE(decoded.has_value());
  SyntheticPattern rgb = std::move(*SyntheticPattern::Create({PixelFormat::kRgb24, 640, 480, {}}));
  std::vector<uint8_t> painted(rgb.frame_bytes());
  rgb.PaintPicture(kSequence, painted);
  ASSERT_EQ(decoded->rgb.size(), painted.size());
  uint64_t error = 0;
  for (size_t i = 0; i < painted.size(); ++i) error += std::abs(decoded->rgb[i] - painted[i]);
  // Flat bars and a ramp lose little at quality 75: on average a few levels.
  EXPECT_LT(double(error) / double(painted.size()), 4.0);
}

TEST(SyntheticJpegTest, EachPhaseIsEncodedOnceAndFramesOfOnePhaseDifferOnlyInTheStamp) {
  Result<SyntheticJpeg> jpeg = SyntheticJpeg::Create(kVga);
  ASSERT_TRUE(jpeg.ok());
  FramePool pool(4);
  SyntheticPattern rgb = std::move(*SyntheticPattern::Create({PixelFormat::kRgb24, 640, 480, {}}));
  const uint64_t phases = rgb.phases();
  ASSERT_GT(phases, 1u);
  std::vector<uint8_t> first = **jpeg->Frame(3, 10, pool);
  std::vector<uint8_t> again = **jpeg->Frame(3 + phases, 20, pool);
  std::vector<uint8_t> next = **jpeg->Frame(4, 30, pool);
  constexpr size_t kBody = kSyntheticJpegStampAt + kSyntheticStampBytes;
  ASSERT_EQ(first.size(), again.size());
  EXPECT_TRUE(std::equal(first.begin() + kBody, first.end(), again.begin() + kBody));
  EXPECT_FALSE(std::equal(first.begin(), first.begin() + kBody, again.begin()));
  EXPECT_NE(std::vector<uint8_t>(first.begin() + kBody, first.end()),
            std::vector<uint8_t>(next.begin() + kBody, next.end()));
}

TEST(SyntheticJpegTest, ModesItCannotMakeAreInvalidArgs) {
  for (const CameraMode& mode : {CameraMode{PixelFormat::kYuyv, 640, 480, {30, 1}},
                                 CameraMode{PixelFormat::kMjpeg, 2, 2, {30, 1}}}) {
    Result<SyntheticJpeg> jpeg = SyntheticJpeg::Create(mode);
    ASSERT_FALSE(jpeg.ok()) << FormatMode(mode);
    EXPECT_EQ(jpeg.error().status, Status::kInvalidArgs);
  }
}

TEST(SyntheticJpegTest, ADamagedStampCommentIsRefused) {
  Result<SyntheticJpeg> jpeg = SyntheticJpeg::Create(kVga);
  ASSERT_TRUE(jpeg.ok());
  FramePool pool(4);
  std::vector<uint8_t> frame = **jpeg->Frame(9, 99, pool);
  frame[kSyntheticJpegStampAt + 9] ^= 1;  // capture_ns
  EXPECT_EQ(ReadSyntheticStamp(kVga, frame).error().status, Status::kMalformed);
  frame[kSyntheticJpegStampAt + 9] ^= 1;
  frame[3] = 0xe0;  // An APP0 segment where the comment was.
  EXPECT_EQ(ReadSyntheticStamp(kVga, frame).error().status, Status::kMalformed);
}

}  // namespace
}  // namespace shoal::rdev
