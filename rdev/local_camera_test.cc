// LocalCamera's handling of its backend: the default mode, a backend that
// cannot begin or fails midway (the camera goes, saying why), and Stop
// interrupting a backend that waits for a frame. The backend here is scripted;
// the camera's sessions, queues and drops are covered with the synthetic
// backend in synthetic_camera_test.cc, the V4L2 one in a simulator guest
// (tests/sim).
#include "rdev/local_camera.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "kernel/base/thread_annotations.h"
#include "kernel/object/object_test_support.h"

namespace shoal::rdev {
namespace {

using kernel::Signals;

constexpr CameraMode kTinySlow{PixelFormat::kRgb24, 16, 8, {15, 1}};
constexpr CameraMode kTiny{PixelFormat::kRgb24, 16, 8, {30, 1}};

// What a scripted backend did, for the test to see after the camera has it.
struct Script {
  std::string begin_fails;      // Begin's error, if not empty.
  int frames_before_fail = -1;  // Next fails after this many frames (-1: never fails).
  int frames_to_give = 1000;    // Then Next waits for Interrupt.
  std::atomic<int> begins{0};
  std::atomic<int> ends{0};
};

class ScriptedBackend final : public CameraBackend {
 public:
  explicit ScriptedBackend(std::shared_ptr<Script> script) : script_(std::move(script)) {}

  CameraDescription Describe() const override { return {"Scripted", "test", {kTinySlow, kTiny}}; }

  VoidResult Begin(const CameraMode&) override {
    ++script_->begins;
    if (!script_->begin_fails.empty()) return MakeError(Status::kIoError, script_->begin_fails);
    return Ok();
  }

  Result<CapturedFrame> Next(uint64_t) override {
    if (given_ == script_->frames_before_fail) {
      return MakeError(Status::kIoError, "the cable came loose");
    }
    MutexLock lock(&mu_);
    if (given_ >= script_->frames_to_give) {
      // A camera that stopped sending: only Interrupt ends the wait (bounded
      // at 10 s against a hang).
      auto bound = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!interrupted_ && wake_.WaitUntil(mu_, bound)) {
      }
    } else if (!interrupted_) {
      wake_.WaitUntil(mu_, std::chrono::steady_clock::now() + std::chrono::milliseconds(2));
    }
    if (interrupted_) {
      interrupted_ = false;
      return MakeError(Status::kShouldWait, "interrupted");
    }
    ++given_;
    return CapturedFrame{uint64_t(given_), std::make_shared<std::vector<uint8_t>>(16 * 8 * 3)};
  }

  void Interrupt() override {
    MutexLock lock(&mu_);
    interrupted_ = true;
    wake_.SignalAll();
  }

  void End() override { ++script_->ends; }

 private:
  const std::shared_ptr<Script> script_;
  int given_ = 0;
  Mutex mu_;
  CondVar wake_;
  bool interrupted_ GUARDED_BY(mu_) = false;
};

std::shared_ptr<LocalCamera> CameraOf(std::shared_ptr<Script> script) {
  Result<std::shared_ptr<LocalCamera>> camera =
      LocalCamera::Create(std::make_unique<ScriptedBackend>(std::move(script)));
  EXPECT_TRUE(camera.ok());
  return camera.ok() ? *camera : nullptr;
}

// Reads frames until one fails, waiting (bounded) on the session's signals.
Result<CameraFrame> NextFrame(CameraOps& session) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    Result<CameraFrame> frame = session.ReadFrame(SIZE_MAX);
    if (frame.ok() || frame.error().status != Status::kShouldWait) return frame;
    kernel::testing::WaitForSignals(session, Signals::kReadable | Signals::kPeerClosed);
  }
  return MakeError(Status::kShouldWait, "no frame within the bound");
}

// Waits (at most 5 s) until `done` holds.
template <typename Done>
bool Eventually(Done done) {
  for (int i = 0; i < 1000 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return done();
}

TEST(LocalCameraTest, ABackendWithoutTheWebcamDefaultStartsInItsFirstModeAt30Fps) {
  auto camera = CameraOf(std::make_shared<Script>());
  ASSERT_NE(camera, nullptr);
  Result<CameraInfo> info = camera->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->mode, kTiny);
  EXPECT_EQ(info->driver, "test");
}

TEST(LocalCameraTest, ABackendThatCannotBeginTakesTheCameraAwaySayingWhy) {
  auto script = std::make_shared<Script>();
  script->begin_fails = "device busy";
  auto camera = CameraOf(script);
  Ref<CameraOps> session = *camera->OpenSession();
  ASSERT_TRUE(session->Start().ok());  // The capture thread begins it.
  Result<CameraFrame> frame = NextFrame(*session);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().status, Status::kPeerClosed);
  EXPECT_NE(frame.error().message.find("could not start capturing rgb24 16x8 30/1: device busy"),
            std::string::npos)
      << frame.error().message;
  EXPECT_EQ(camera->Info().error().status, Status::kPeerClosed);
  EXPECT_EQ(camera->OpenSession().error().status, Status::kPeerClosed);
  EXPECT_EQ(script->ends.load(), 0);  // Nothing began, so nothing ends.
}

TEST(LocalCameraTest, ABackendThatFailsMidwayEndsTheCameraAfterItsFrames) {
  auto script = std::make_shared<Script>();
  script->frames_before_fail = 3;
  auto camera = CameraOf(script);
  Ref<CameraOps> session = *camera->OpenSession();
  ASSERT_TRUE(session->Start().ok());
  uint64_t expected = 0;
  Result<CameraFrame> frame = NextFrame(*session);
  for (; frame.ok(); frame = NextFrame(*session)) EXPECT_EQ(frame->sequence, expected++);
  // The frames before the failure come in order; those still queued when it
  // came are dropped with the camera, as an unplug drops them.
  EXPECT_LE(expected, 3u);
  EXPECT_EQ(frame.error().status, Status::kPeerClosed);
  EXPECT_NE(frame.error().message.find("the camera failed: the cable came loose"),
            std::string::npos)
      << frame.error().message;
  EXPECT_TRUE(Eventually([&] { return script->ends.load() == 1; }));
}

TEST(LocalCameraTest, StopInterruptsABackendWaitingForAFrameAndEndsIt) {
  auto script = std::make_shared<Script>();
  script->frames_to_give = 1;
  auto camera = CameraOf(script);
  Ref<CameraOps> session = *camera->OpenSession();
  ASSERT_TRUE(session->Start().ok());
  ASSERT_TRUE(NextFrame(*session).ok());  // The backend now waits for good.
  auto stopping = std::chrono::steady_clock::now();
  ASSERT_TRUE(session->Stop().ok());
  EXPECT_TRUE(Eventually([&] { return script->ends.load() == 1; }));
  // Long before the backend's own 10 s bound: Stop interrupted it.
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5));
  // A new start begins the backend again.
  ASSERT_TRUE(session->Start().ok());
  EXPECT_TRUE(Eventually([&] { return script->begins.load() == 2; }));
}

}  // namespace
}  // namespace shoal::rdev
