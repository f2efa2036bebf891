// The V4L2 camera's refusals, which need no camera. Capture itself is tested
// against the vivid driver in a simulator guest (tests/sim,
// sim/scenarios/camera-mount).
#include "rdev/v4l2_camera.h"

#include <gtest/gtest.h>

#include <string>

namespace shoal::rdev {
namespace {

TEST(V4l2CameraTest, AMissingDeviceIsNotFound) {
  Result<std::shared_ptr<LocalCamera>> camera = OpenV4l2Camera("/dev/shoal-no-such-video9");
  ASSERT_FALSE(camera.ok());
  EXPECT_EQ(camera.error().status, Status::kNotFound);
  EXPECT_NE(camera.error().message.find("cannot open /dev/shoal-no-such-video9"), std::string::npos)
      << camera.error().message;
}

TEST(V4l2CameraTest, AFileThatIsNoV4l2DeviceIsRefused) {
  for (const char* path : {"/dev/null", "/proc/self/status"}) {
    Result<std::shared_ptr<LocalCamera>> camera = OpenV4l2Camera(path);
    ASSERT_FALSE(camera.ok()) << path;
    EXPECT_EQ(camera.error().status, Status::kInvalidArgs) << path;
    EXPECT_NE(camera.error().message.find(std::string(path) + " is not a V4L2 device"),
              std::string::npos)
        << camera.error().message;
  }
}

}  // namespace
}  // namespace shoal::rdev
