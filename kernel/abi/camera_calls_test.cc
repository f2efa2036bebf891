// The camera calls from real processes: a synthetic camera bound at
// /dev/video0 in the kernel's root namespace, the error codes a guest sees
// (testdata/camera_calls.wat), and the apps camstat and snapshot.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "kernel/base/temp_dir.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "rdev/synthetic_camera.h"
#include "rdev/synthetic_pattern.h"

namespace shoal::kernel {
namespace {

using namespace testing;  // The kernel test helpers (proc_test_support.h).

class CameraCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel_ = OneWorkerKernel();
    ASSERT_TRUE(kernel_->root_namespace().Bind("/dev/video0", camera_->provider()).ok());
  }

  SpawnRequest App(const std::string& name, std::vector<std::string> args) {
    return AppRequest(name, std::move(args));
  }

  // What an app run to its end printed, and its exit code (-1 when it did
  // not start).
  struct Ran {
    int code = -1;
    std::string out;
  };
  Ran Run(SpawnRequest request) {
    Spawned spawned = SpawnWithOutput(*kernel_, std::move(request));
    if (spawned.out == nullptr) return {};
    int code = WaitCode(*kernel_, spawned.pid);
    return {code, TextOf(spawned.out)};
  }

  // Runs snapshot for one frame in `mode` and returns the file it wrote
  // (empty when it failed).
  std::string Snapshot(const std::string& mode) {
    shoal::testing::TempDir dir;
    SpawnRequest request = App("snapshot", {"/dev/video0", "/out/frame", mode});
    request.preopens.push_back(wasi::Preopen{dir.path(), "/out", {}});
    Ran saved = Run(std::move(request));
    EXPECT_EQ(saved.code, 0) << saved.out;
    std::ifstream file(dir.Join("frame"), std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  }

  std::shared_ptr<rdev::LocalCamera> camera_ = rdev::CreateSyntheticCamera();
  std::unique_ptr<Kernel> kernel_;
};

TEST_F(CameraCallsTest, GuestSeesBadStateRightsAndBoundsErrors) {
  Spawned spawned = SpawnWithOutput(*kernel_, RequestFor("camera_calls"));
  ASSERT_NE(spawned.out, nullptr);
  // A non-zero code names the check of camera_calls.wat that failed.
  EXPECT_EQ(WaitCode(*kernel_, spawned.pid), 0);
  // The process's sessions closed with it.
  EXPECT_EQ(camera_->Info()->sessions, 0u);
  EXPECT_FALSE(camera_->Info()->streaming);
}

TEST_F(CameraCallsTest, CamstatReadsEveryFrameInTheModeItAsked) {
  auto [code, out] = Run(App("camstat", {"/dev/video0", "20", "rgb24 320x240 30/1"}));
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("camstat: /dev/video0 mode rgb24 320x240 30/1, driver synthetic"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("camstat: summary frames=20 lost=0 bad_stamps=0 "), std::string::npos) << out;
  EXPECT_NE(out.find(" format=rgb24 width=320 height=240 rate=30/1 unreported=0\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(camera_->Info()->mode,
            (rdev::CameraMode{rdev::PixelFormat::kRgb24, 320, 240, {30, 1}}));
}

TEST_F(CameraCallsTest, CamstatOnAnUnpluggedCameraFails) {
  camera_->Unplug();
  EXPECT_EQ(Run(App("camstat", {"/dev/video0", "5"})).code, 3);
}

TEST_F(CameraCallsTest, UnplugWakesAParkedReaderWithPeerClosed) {
  Spawned spawned =
      SpawnWithOutput(*kernel_, App("camstat", {"/dev/video0", "100000", "yuyv 320x240 15/1"}));
  ASSERT_NE(spawned.out, nullptr);
  ASSERT_TRUE(WaitUntil([&] {
    Result<rdev::CameraInfo> info = camera_->Info();
    return info.ok() && info->frames_captured >= 3;
  }));
  camera_->Unplug();
  // camstat's camera_read fails with -7 (parked or not) and it exits 3.
  EXPECT_EQ(WaitCode(*kernel_, spawned.pid), 3) << TextOf(spawned.out);
}

TEST_F(CameraCallsTest, CamstatRefusesAModeTheCameraLacks) {
  EXPECT_EQ(Run(App("camstat", {"/dev/video0", "5", "yuyv 800x600 30/1"})).code, 3);
}

TEST_F(CameraCallsTest, SnapshotWritesAPpmOfTheFrame) {
  std::string ppm = Snapshot("yuyv 320x240 15/1");
  std::string header = "P6\n320 240\n255\n";
  ASSERT_EQ(ppm.size(), header.size() + 320 * 240 * 3);
  EXPECT_EQ(ppm.substr(0, header.size()), header);
  // After the round trip through YUYV, row 1 is colour bars (every channel
  // at the bars' high or low level) and the last row a grey ramp (R = G = B).
  auto pixel = [&](size_t x, size_t y) {
    return reinterpret_cast<const uint8_t*>(&ppm[header.size() + (y * 320 + x) * 3]);
  };
  for (size_t x = 0; x < 320; x += 7) {
    for (int c = 0; c < 3; ++c) {
      uint8_t value = pixel(x, 1)[c];
      EXPECT_TRUE(std::abs(value - 16) <= 4 || std::abs(value - 235) <= 4) << x << " " << c;
    }
    EXPECT_NEAR(pixel(x, 239)[0], pixel(x, 239)[1], 3) << x;
    EXPECT_NEAR(pixel(x, 239)[1], pixel(x, 239)[2], 3) << x;
  }
}

// MJPEG frames vary in size: camstat checks each one's stamp (in its JPEG
// comment), and snapshot keeps one as the JPEG file it is.
TEST_F(CameraCallsTest, MjpegFramesArriveWholeWithTheirStampsAndSaveAsJpegFiles) {
  auto [code, out] = Run(App("camstat", {"/dev/video0", "20", "mjpeg 640x480 30/1"}));
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("camstat: summary frames=20 lost=0 bad_stamps=0 "), std::string::npos) << out;
  EXPECT_NE(out.find(" format=mjpeg width=640 height=480 rate=30/1 "), std::string::npos) << out;

  std::string saved = Snapshot("mjpeg 320x240 15/1");
  std::vector<uint8_t> jpeg(saved.begin(), saved.end());
  ASSERT_GT(jpeg.size(), 100u);
  EXPECT_EQ(jpeg[0], 0xff);
  EXPECT_EQ(jpeg[1], 0xd8);  // Start of image...
  EXPECT_EQ(jpeg[jpeg.size() - 2], 0xff);
  EXPECT_EQ(jpeg.back(), 0xd9);  // ...to its end, nothing after.
  Result<rdev::SyntheticStamp> stamp =
      rdev::ReadSyntheticStamp({rdev::PixelFormat::kMjpeg, 320, 240, {15, 1}}, jpeg);
  EXPECT_TRUE(stamp.ok()) << stamp.error().message;
}

}  // namespace
}  // namespace shoal::kernel
