#include "rdev/synthetic_pattern.h"

#include <gtest/gtest.h>

#include "rdev/synthetic_camera.h"

namespace shoal::rdev {
namespace {

TEST(SyntheticPatternTest, EveryModeOfTheCameraPaintsAFrameWhoseStampVerifies) {
  for (const CameraMode& mode : SyntheticCameraModes()) {
    if (mode.format == PixelFormat::kMjpeg) continue;  // synthetic_jpeg_test.cc
    Result<SyntheticPattern> pattern = SyntheticPattern::Create(mode);
    ASSERT_TRUE(pattern.ok()) << FormatMode(mode) << ": " << pattern.error().message;
    ASSERT_EQ(pattern->frame_bytes(), MaxFrameBytes(mode));
    std::vector<uint8_t> frame(pattern->frame_bytes());
    pattern->Paint(41, 1'700'000'000'123'456'789, frame);
    Result<SyntheticStamp> stamp = ReadSyntheticStamp(mode, frame);
    ASSERT_TRUE(stamp.ok()) << FormatMode(mode) << ": " << stamp.error().message;
    EXPECT_EQ(*stamp, (SyntheticStamp{41, 1'700'000'000'123'456'789}));
  }
}

TEST(SyntheticPatternTest, ThePictureMovesWithTheFrameNumber) {
  CameraMode mode{PixelFormat::kRgb24, 320, 240, {30, 1}};
  SyntheticPattern pattern = std::move(*SyntheticPattern::Create(mode));
  std::vector<uint8_t> first(pattern.frame_bytes()), again(pattern.frame_bytes()),
      next(pattern.frame_bytes());
  pattern.Paint(7, 100, first);
  pattern.Paint(7, 100, again);
  pattern.Paint(8, 100, next);
  EXPECT_EQ(first, again);  // Deterministic.
  size_t row = 320 * 3;
  // Row 1 (past the stamp) of the bars, and the last row (the ramp).
  auto row_of = [&](const std::vector<uint8_t>& frame, size_t y) {
    return std::vector<uint8_t>(frame.begin() + y * row, frame.begin() + (y + 1) * row);
  };
  EXPECT_NE(row_of(first, 1), row_of(next, 1));
  EXPECT_NE(row_of(first, 239), row_of(next, 239));
  EXPECT_NE(row_of(first, 1), row_of(first, 239));
}

TEST(SyntheticPatternTest, ADamagedOrForeignFrameIsRefused) {
  CameraMode mode{PixelFormat::kYuyv, 320, 240, {30, 1}};
  SyntheticPattern pattern = std::move(*SyntheticPattern::Create(mode));
  std::vector<uint8_t> frame(pattern.frame_bytes());
  pattern.Paint(3, 5, frame);
  frame[9] ^= 1;  // capture_ns
  Result<SyntheticStamp> stamp = ReadSyntheticStamp(mode, frame);
  ASSERT_FALSE(stamp.ok());
  EXPECT_EQ(stamp.error().status, Status::kMalformed);
  frame[9] ^= 1;
  stamp = ReadSyntheticStamp({PixelFormat::kYuyv, 640, 480, {30, 1}}, frame);
  ASSERT_FALSE(stamp.ok());
  EXPECT_EQ(stamp.error().status, Status::kInvalidArgs);
  // Raw pixels taken for MJPEG lack the JPEG's stamp comment.
  stamp = ReadSyntheticStamp({PixelFormat::kMjpeg, 320, 240, {30, 1}}, frame);
  ASSERT_FALSE(stamp.ok());
  EXPECT_EQ(stamp.error().status, Status::kMalformed);
  stamp = ReadSyntheticStamp({PixelFormat::kMjpeg, 320, 240, {30, 1}},
                             std::span<const uint8_t>(frame).first(29));
  ASSERT_FALSE(stamp.ok());
  EXPECT_EQ(stamp.error().status, Status::kInvalidArgs);
  EXPECT_TRUE(ReadSyntheticStamp(mode, frame).ok());
}

TEST(SyntheticPatternTest, ModesItCannotPaintAreInvalidArgs) {
  for (const CameraMode& mode : {CameraMode{PixelFormat::kMjpeg, 640, 480, {30, 1}},
                                 CameraMode{PixelFormat::kYuyv, 641, 480, {30, 1}},
                                 CameraMode{PixelFormat::kRgb24, 2, 2, {30, 1}}}) {
    Result<SyntheticPattern> pattern = SyntheticPattern::Create(mode);
    ASSERT_FALSE(pattern.ok()) << FormatMode(mode);
    EXPECT_EQ(pattern.error().status, Status::kInvalidArgs);
  }
}

}  // namespace
}  // namespace shoal::rdev
