#include "rdev/camera.h"

#include <gtest/gtest.h>

#include <limits>

namespace shoal::rdev {
namespace {

TEST(PixelFormatTest, NamesRoundTrip) {
  for (uint8_t value = 1; value <= kMaxPixelFormat; ++value) {
    PixelFormat format = PixelFormat(value);
    EXPECT_EQ(ParsePixelFormat(PixelFormatName(format)), format);
  }
  EXPECT_EQ(PixelFormatName(PixelFormat(0)), "unknown");
  EXPECT_EQ(ParsePixelFormat("YUYV"), std::nullopt);
  EXPECT_EQ(ParsePixelFormat("unknown"), std::nullopt);
}

TEST(CameraModeTest, FormatsAndParsesTheSameText) {
  CameraMode mode{PixelFormat::kRgb24, 1920, 1080, {30000, 1001}};
  EXPECT_EQ(FormatMode(mode), "rgb24 1920x1080 30000/1001");
  Result<CameraMode> parsed = ParseMode(FormatMode(mode));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, mode);
  EXPECT_EQ(FormatMode(CameraMode{}), "yuyv 640x480 30/1");
}

TEST(CameraModeTest, BadTextIsInvalidArgsSayingWhy) {
  struct Case {
    std::string_view text;
    std::string_view says;
  };
  for (const Case& c :
       {Case{"", "expected"}, Case{"yuyv", "expected"}, Case{"yuyv 640x480", "expected"},
        Case{"h264 640x480 30/1", "h264"}, Case{"yuyv 640 30/1", "not WxH"},
        Case{"yuyv 640x480 30", "not N/D"}, Case{"yuyv 0x480 30/1", "width is 0"},
        Case{"yuyv 640x480 30/0", "denominator is 0"}, Case{"yuyv 640x-480 30/1", "height"},
        Case{"yuyv 640x480 30/1 x", "denominator"}, Case{"yuyv 99999999999x480 30/1", "width"},
        Case{"yuyv  640x480 30/1", "not WxH"}}) {
    Result<CameraMode> parsed = ParseMode(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error().status, Status::kInvalidArgs) << c.text;
    EXPECT_NE(parsed.error().message.find(c.says), std::string::npos)
        << c.text << ": " << parsed.error().message;
  }
}

TEST(MaxFrameBytesTest, ExactForRawFormatsAndZeroForEmpty) {
  EXPECT_EQ(MaxFrameBytes({PixelFormat::kYuyv, 640, 480, {}}), 640u * 480 * 2);
  EXPECT_EQ(MaxFrameBytes({PixelFormat::kRgb24, 1920, 1080, {}}), 1920u * 1080 * 3);
  EXPECT_GT(MaxFrameBytes({PixelFormat::kMjpeg, 640, 480, {}}), 640u * 480 * 3);
  EXPECT_EQ(MaxFrameBytes({PixelFormat::kYuyv, 0, 480, {}}), 0u);
  EXPECT_EQ(MaxFrameBytes({PixelFormat(0), 640, 480, {}}), 0u);
  uint32_t big = std::numeric_limits<uint32_t>::max();
  EXPECT_EQ(MaxFrameBytes({PixelFormat::kRgb24, big, big, {}}), 0u);  // Over 2^64 bytes.
}

TEST(CameraReadPositionTest, TracksTheLastFrameTaken) {
  CameraReadPosition position;
  EXPECT_EQ(position.last_read(), std::nullopt);
  CameraFrame frame{.sequence = 5, .dropped = 2};
  EXPECT_FALSE(position.TakenBefore(frame));
  position.Take(frame);
  EXPECT_EQ(frame.dropped, 2u);  // Untouched without a resume.
  EXPECT_EQ(position.last_read(), 5u);
  position.Reset();
  EXPECT_EQ(position.last_read(), std::nullopt);
}

TEST(CameraReadPositionTest, AResumeCountsTheFramesSinceTheLastOneTakenOnce) {
  CameraReadPosition position;
  position.ResumeAfter(10);
  CameraFrame old{.sequence = 10};
  EXPECT_TRUE(position.TakenBefore(old));  // Read before the move: skipped.
  CameraFrame next{.sequence = 14, .dropped = 1};
  EXPECT_FALSE(position.TakenBefore(next));
  position.Take(next);
  EXPECT_EQ(next.dropped, 3u);  // 11, 12 and 13, of which the session had counted one.
  EXPECT_EQ(position.last_read(), 14u);
  CameraFrame later{.sequence = 16, .dropped = 1};
  position.Take(later);
  EXPECT_EQ(later.dropped, 1u);  // Only the first frame after a resume is adjusted.
  CameraFrame reported{.sequence = 30, .dropped = 20};
  position.ResumeAfter(16);
  position.Take(reported);
  EXPECT_EQ(reported.dropped, 20u);  // Never fewer than the session reported.
}

}  // namespace
}  // namespace shoal::rdev
