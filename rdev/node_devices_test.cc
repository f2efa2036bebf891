#include "rdev/node_devices.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "rdev/audio.h"
#include "rdev/camera.h"

namespace shoal::rdev {
namespace {

using kernel::Rights;

TEST(DeviceSpecTest, ParsesPathBackendAndOptions) {
  Result<DeviceSpec> spec = ParseDeviceSpec("/dev/video0=synthetic-camera:Front door");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->path, "/dev/video0");
  EXPECT_EQ(spec->backend, "synthetic-camera");
  EXPECT_EQ(spec->options, "Front door");
  spec = ParseDeviceSpec("/dev/cams/left=v4l2:/dev/video2");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->backend, "v4l2");
  EXPECT_EQ(spec->options, "/dev/video2");
  EXPECT_EQ(ParseDeviceSpec("/dev/video0=synthetic-camera")->options, "");
}

TEST(DeviceSpecTest, BadSpecsSayWhatIsWrong) {
  struct Case {
    std::string_view text, says;
  };
  for (const Case& c :
       {Case{"/dev/video0", "PATH=BACKEND"}, Case{"/tmp/x=synthetic-camera", "below /dev/"},
        Case{"/dev=synthetic-camera", "below /dev/"}, Case{"/dev/=synthetic-camera", "/dev/"},
        Case{"/dev/../etc=synthetic-camera", ".."},
        Case{"/dev/video0=webcam", "unknown backend \"webcam\""},
        Case{"/dev/video0=v4l2", "host's device path"},
        Case{"/dev/audio0=wav-sink", "host's file path"},
        Case{"/dev/audio0=alsa-playback", "an ALSA PCM name (alsa-playback:hw:0,0)"},
        Case{"/dev/mic0=alsa-capture", "an ALSA PCM name (alsa-capture:hw:0,0)"},
        Case{"/dev/audio1=synthetic-tone:loud", "\"loud\" is not a whole number of Hz"}}) {
    Result<DeviceSpec> spec = ParseDeviceSpec(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.error().status, Status::kInvalidArgs) << c.text;
    EXPECT_NE(spec.error().message.find(c.says), std::string::npos)
        << c.text << ": " << spec.error().message;
  }
}

TEST(NodeDevicesTest, BindsASyntheticCameraAndListsItBesideTheKernelDevices) {
  NodeDevices devices;
  ASSERT_TRUE(devices.Add(*ParseDeviceSpec("/dev/video0=synthetic-camera:Lab")).ok());
  auto root = kernel::Namespace::Create();
  ASSERT_TRUE(devices.BindAll(*root).ok());
  Result<kernel::HandleEntry> opened = root->Open("/dev/video0", Rights::kRead | Rights::kManage);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(opened->object->type(), kernel::ObjectType::kCamera);
  auto camera = std::static_pointer_cast<CameraOps>(opened->object);
  EXPECT_EQ(camera->Info()->name, "Lab");

  std::vector<DeviceListing> listed = devices.List();
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].path, "/dev/null");
  EXPECT_EQ(listed[0].kind, "null");
  EXPECT_EQ(listed[0].driver, "kernel");
  EXPECT_EQ(listed[1].path, "/dev/random");
  EXPECT_EQ(listed[2].path, "/dev/video0");
  EXPECT_EQ(listed[2].kind, "camera");
  EXPECT_EQ(listed[2].driver, "synthetic");
  EXPECT_EQ(listed[2].open_handles, 1u);
  ASSERT_EQ(listed[2].modes.size(), 24u);
  EXPECT_EQ(listed[2].modes[0], "yuyv 320x240 30/1");
  EXPECT_EQ(listed[3].path, "/dev/zero");
  EXPECT_EQ(listed[3].kind, "zero");
}

TEST(NodeDevicesTest, TakenPathsAndBackendsThatCannotStartAreRefused) {
  NodeDevices devices;
  ASSERT_TRUE(devices.Add(*ParseDeviceSpec("/dev/video0=synthetic-camera")).ok());
  EXPECT_EQ(devices.Add(*ParseDeviceSpec("/dev/video0=synthetic-camera")).error().status,
            Status::kAlreadyExists);
  EXPECT_EQ(devices.Add(*ParseDeviceSpec("/dev/zero=synthetic-camera")).error().status,
            Status::kAlreadyExists);
  // A V4L2 backend needs a V4L2 device of the host (this one is none).
  VoidResult v4l2 = devices.Add(*ParseDeviceSpec("/dev/video1=v4l2:/dev/null"));
  ASSERT_FALSE(v4l2.ok());
  EXPECT_EQ(v4l2.error().status, Status::kInvalidArgs);
  EXPECT_NE(v4l2.error().message.find("/dev/null is not a V4L2 device"), std::string::npos);
  EXPECT_EQ(devices.Add({"/dev/x", "tape", ""}).error().status, Status::kInvalidArgs);
  EXPECT_EQ(devices.List().size(), 4u);
}

TEST(NodeDevicesTest, BindsAToneSourceAndAWavSinkAndListsTheirConfiguration) {
  std::string wav = "/tmp/shoal-node-devices-" + std::to_string(getpid()) + ".wav";
  {
    NodeDevices devices;
    ASSERT_TRUE(devices.Add(*ParseDeviceSpec("/dev/audio0=wav-sink:" + wav)).ok());
    ASSERT_TRUE(devices.Add(*ParseDeviceSpec("/dev/mic0=synthetic-tone:1000")).ok());
    EXPECT_EQ(
        devices.Add(*ParseDeviceSpec("/dev/audio1=wav-sink:/no/such/dir/x.wav")).error().status,
        Status::kIoError);
    auto root = kernel::Namespace::Create();
    ASSERT_TRUE(devices.BindAll(*root).ok());
    Result<kernel::HandleEntry> mic = root->Open("/dev/mic0", Rights::kRead);
    ASSERT_TRUE(mic.ok()) << mic.error().message;
    ASSERT_EQ(mic->object->type(), kernel::ObjectType::kAudio);
    EXPECT_EQ(std::static_pointer_cast<AudioOps>(mic->object)->Info()->direction,
              AudioDirection::kCapture);

    std::vector<DeviceListing> listed = devices.List();
    ASSERT_EQ(listed.size(), 5u);
    EXPECT_EQ(listed[0].path, "/dev/audio0");
    EXPECT_EQ(listed[0].kind, "audio-sink");
    EXPECT_EQ(listed[0].driver, "wav");
    EXPECT_EQ(listed[0].modes, std::vector<std::string>{"s16 48000x2 period 240x4"});
    EXPECT_EQ(listed[0].open_handles, 0u);
    EXPECT_EQ(listed[1].path, "/dev/mic0");
    EXPECT_EQ(listed[1].kind, "audio-source");
    EXPECT_EQ(listed[1].driver, "synthetic");
    EXPECT_EQ(listed[1].open_handles, 1u);
  }
  EXPECT_EQ(unlink(wav.c_str()), 0);  // The sink made its file.
}

TEST(NodeDevicesTest, ServesAlsaPcmsAndRefusesAMissingOne) {
  NodeDevices devices;
  // ALSA's null PCM needs no sound card.
  ASSERT_TRUE(devices.Add(*ParseDeviceSpec("/dev/audio0=alsa-playback:null")).ok());
  ASSERT_TRUE(devices.Add(*ParseDeviceSpec("/dev/mic0=alsa-capture:null")).ok());
  VoidResult missing = devices.Add(*ParseDeviceSpec("/dev/audio1=alsa-playback:hw:17,0"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().status, Status::kNotFound);
  EXPECT_NE(missing.error().message.find("hw:17,0"), std::string::npos);
  std::vector<DeviceListing> listed = devices.List();
  ASSERT_EQ(listed.size(), 5u);
  EXPECT_EQ(listed[0].path, "/dev/audio0");
  EXPECT_EQ(listed[0].kind, "audio-sink");
  EXPECT_EQ(listed[0].driver, "alsa");
  EXPECT_EQ(listed[1].path, "/dev/mic0");
  EXPECT_EQ(listed[1].kind, "audio-source");
  EXPECT_EQ(listed[1].driver, "alsa");
}

}  // namespace
}  // namespace shoal::rdev
