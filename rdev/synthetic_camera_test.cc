#include "rdev/synthetic_camera.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kernel/object/object_test_support.h"
#include "rdev/synthetic_pattern.h"

namespace shoal::rdev {
namespace {

using kernel::Rights;
using kernel::Signals;
using std::chrono::steady_clock;

constexpr CameraMode kSmall{PixelFormat::kYuyv, 320, 240, {30, 1}};
constexpr CameraMode kSmallSlow{PixelFormat::kYuyv, 320, 240, {15, 1}};
constexpr CameraMode kSmallRgb{PixelFormat::kRgb24, 320, 240, {30, 1}};

Ref<CameraOps> Open(LocalCamera& camera) {
  Result<Ref<CameraOps>> session = camera.OpenSession();
  EXPECT_TRUE(session.ok()) << session.error().message;
  return session.ok() ? *session : nullptr;
}

// The next frame of a started session, waiting (at most 10 s, a bound
// against hangs) while none is queued.
Result<CameraFrame> NextFrame(CameraOps& session, size_t max_bytes = SIZE_MAX) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    Result<CameraFrame> frame = session.ReadFrame(max_bytes);
    if (frame.ok() || frame.error().status != Status::kShouldWait) return frame;
    if (kernel::testing::WaitForSignals(session, Signals::kReadable | Signals::kPeerClosed) ==
        Signals::kNone) {
      break;
    }
  }
  return MakeError(Status::kShouldWait, "no frame within the bound");
}

// Reads every queued frame without waiting; at most kQueueDepth exist.
std::vector<CameraFrame> Drain(CameraOps& session) {
  std::vector<CameraFrame> frames;
  for (size_t i = 0; i <= CameraOps::kQueueDepth; ++i) {
    Result<CameraFrame> frame = session.ReadFrame(SIZE_MAX);
    if (!frame.ok()) break;
    frames.push_back(std::move(*frame));
  }
  return frames;
}

void ExpectStampMatches(const CameraFrame& frame) {
  Result<SyntheticStamp> stamp = ReadSyntheticStamp(frame.mode, *frame.bytes);
  ASSERT_TRUE(stamp.ok()) << stamp.error().message;
  EXPECT_EQ(stamp->sequence, frame.sequence);
  EXPECT_EQ(stamp->capture_ns, frame.capture_ns);
}

TEST(SyntheticCameraTest, InfoListsEveryModeAndStartsInTheWebcamDefault) {
  auto camera = CreateSyntheticCamera("Test camera");
  Result<CameraInfo> info = camera->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->name, "Test camera");
  EXPECT_EQ(info->driver, "synthetic");
  ASSERT_EQ(info->modes.size(), 24u);
  EXPECT_EQ(FormatMode(info->modes.front()), "yuyv 320x240 30/1");
  EXPECT_EQ(FormatMode(info->modes.back()), "mjpeg 1920x1080 15/1");
  EXPECT_EQ(info->mode, CameraMode{});
  EXPECT_FALSE(info->streaming);
  EXPECT_EQ(info->sessions, 0u);
}

TEST(SyntheticCameraTest, SessionsAreCountedWhileTheyLive) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> a = Open(*camera), b = Open(*camera);
  EXPECT_NE(a, b);
  EXPECT_EQ(camera->Info()->sessions, 2u);
  ASSERT_TRUE(a->Start().ok());
  EXPECT_TRUE(camera->Info()->streaming);
  a.reset();  // Closing a streaming session stops its stream.
  EXPECT_EQ(camera->Info()->sessions, 1u);
  EXPECT_FALSE(camera->Info()->streaming);
}

TEST(SyntheticCameraTest, ACameraGoesAwayWithItsLastStreamingSession) {
  auto camera = CreateSyntheticCamera();
  std::weak_ptr<LocalCamera> weak = camera;
  Ref<CameraOps> session = Open(*camera);
  ASSERT_TRUE(session->Start().ok());
  ASSERT_TRUE(NextFrame(*session).ok());
  camera.reset();  // The session (and the capture thread) still hold it.
  EXPECT_FALSE(weak.expired());
  session.reset();
  // The capture thread lets go as it ends, within a frame period or so.
  for (int i = 0; i < 1000 && !weak.expired(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(weak.expired());
}

TEST(SyntheticCameraTest, FramesComeAtTheModeRateWithStampsThatVerify) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> session = Open(*camera);
  ASSERT_TRUE(session->Configure(kSmall).ok());
  ASSERT_TRUE(session->Start().ok());
  Result<CameraFrame> first = NextFrame(*session);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto first_at = steady_clock::now();
  ExpectStampMatches(*first);
  EXPECT_EQ(first->mode, kSmall);
  EXPECT_EQ(first->bytes->size(), MaxFrameBytes(kSmall));
  // 14 more frame periods at 30/1 are 0.47 s; bounds wide enough for a
  // loaded machine, tight enough to tell 30 fps from free-running.
  uint64_t previous = first->sequence;
  while (previous < first->sequence + 14) {
    Result<CameraFrame> frame = NextFrame(*session);
    ASSERT_TRUE(frame.ok()) << frame.error().message;
    EXPECT_EQ(frame->sequence, previous + 1 + frame->dropped);
    ExpectStampMatches(*frame);
    previous = frame->sequence;
  }
  double seconds = std::chrono::duration<double>(steady_clock::now() - first_at).count();
  EXPECT_GE(seconds, 0.3);
  EXPECT_LE(seconds, 3.0);
}

TEST(SyntheticCameraTest, ASlowReaderIsToldHowManyFramesItLost) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> session = Open(*camera);
  ASSERT_TRUE(session->Configure(kSmall).ok());
  ASSERT_TRUE(session->Start().ok());
  Result<CameraFrame> first = NextFrame(*session);
  ASSERT_TRUE(first.ok());
  // Let at least kQueueDepth + 3 more frames be captured unread (bounded).
  for (int i = 0; i < 500 && camera->Info()->frames_captured < first->sequence + 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<CameraFrame> queued = Drain(*session);
  ASSERT_GE(queued.size(), CameraOps::kQueueDepth);
  EXPECT_GT(queued.front().dropped, 0u);
  uint64_t previous = first->sequence;
  for (const CameraFrame& frame : queued) {
    EXPECT_EQ(frame.sequence, previous + 1 + frame.dropped);
    ExpectStampMatches(frame);
    previous = frame.sequence;
  }
}

TEST(SyntheticCameraTest, TwoSessionsBothSeeEveryFrameAndShareItsBytes) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> a = Open(*camera), b = Open(*camera);
  ASSERT_TRUE(a->Configure(kSmallSlow).ok());
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b->Start().ok());
  // Each reader on its own thread, so neither waits for the other.
  auto read = [](CameraOps& session, std::vector<CameraFrame>& out) {
    for (int i = 0; i < 8; ++i) {
      Result<CameraFrame> frame = NextFrame(session);
      if (!frame.ok()) return;
      out.push_back(std::move(*frame));
    }
  };
  std::vector<CameraFrame> seen_a, seen_b;
  std::thread reader([&] { read(*b, seen_b); });
  read(*a, seen_a);
  reader.join();
  ASSERT_EQ(seen_a.size(), 8u);
  ASSERT_EQ(seen_b.size(), 8u);
  for (const auto* seen : {&seen_a, &seen_b}) {
    for (size_t i = 1; i < seen->size(); ++i) {
      EXPECT_EQ((*seen)[i].sequence, (*seen)[i - 1].sequence + 1);
      EXPECT_EQ((*seen)[i].dropped, 0u);
    }
  }
  // Frames both read are the same bytes, not copies.
  for (const CameraFrame& frame_a : seen_a) {
    for (const CameraFrame& frame_b : seen_b) {
      if (frame_a.sequence == frame_b.sequence) {
        EXPECT_EQ(frame_a.bytes, frame_b.bytes);
      }
    }
  }
}

TEST(SyntheticCameraTest, ReadingNeedsAStartAndStopDropsTheQueue) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> session = Open(*camera);
  ASSERT_TRUE(session->Configure(kSmall).ok());
  Result<CameraFrame> early = session->ReadFrame(SIZE_MAX);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().status, Status::kBadState);
  ASSERT_TRUE(session->Start().ok());
  ASSERT_TRUE(session->Start().ok());  // Again: nothing changes.
  ASSERT_EQ(kernel::testing::WaitForSignals(*session, Signals::kReadable), Signals::kReadable);
  ASSERT_TRUE(session->Stop().ok());
  EXPECT_EQ(session->signals() & Signals::kReadable, Signals::kNone);
  // Started again, the session reads only frames captured after the stop.
  uint64_t before = camera->Info()->frames_captured;
  ASSERT_TRUE(session->Start().ok());
  Result<CameraFrame> fresh = NextFrame(*session);
  ASSERT_TRUE(fresh.ok());
  EXPECT_GE(fresh->sequence, before);
  EXPECT_EQ(fresh->dropped, 0u);
  ASSERT_TRUE(session->Stop().ok());
  ASSERT_TRUE(session->Stop().ok());
  Result<CameraFrame> stopped = session->ReadFrame(SIZE_MAX);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().status, Status::kBadState);
  EXPECT_FALSE(camera->Info()->streaming);
  // Stopped means no capture at all: the count holds still.
  uint64_t captured = camera->Info()->frames_captured;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(camera->Info()->frames_captured, captured);
}

TEST(SyntheticCameraTest, AnEmptyQueueShouldWaitWithReadableClear) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> session = Open(*camera);
  ASSERT_TRUE(session->Configure(kSmallSlow).ok());
  ASSERT_TRUE(session->Start().ok());
  ASSERT_TRUE(NextFrame(*session).ok());
  Drain(*session);
  // At 15 fps the next frame is tens of milliseconds away; if one slipped in,
  // the signal says so and the read takes it.
  Result<CameraFrame> frame = session->ReadFrame(SIZE_MAX);
  if (!frame.ok()) {
    EXPECT_EQ(frame.error().status, Status::kShouldWait);
    EXPECT_EQ(session->signals() & Signals::kReadable, Signals::kNone);
  }
}

TEST(SyntheticCameraTest, AFrameLargerThanTheBufferStaysQueued) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> session = Open(*camera);
  ASSERT_TRUE(session->Configure(kSmallSlow).ok());
  ASSERT_TRUE(session->Start().ok());
  ASSERT_EQ(kernel::testing::WaitForSignals(*session, Signals::kReadable), Signals::kReadable);
  Result<CameraFrame> small = session->ReadFrame(MaxFrameBytes(kSmallSlow) - 1);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().status, Status::kOutOfBounds);
  Result<CameraFrame> whole = session->ReadFrame(MaxFrameBytes(kSmallSlow));
  ASSERT_TRUE(whole.ok());
  // The first frame after a start: nothing before it was this session's.
  EXPECT_EQ(whole->dropped, 0u);
  ExpectStampMatches(*whole);
}

TEST(SyntheticCameraTest, ConfigureWaitsForEveryStreamToStop) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> streaming = Open(*camera), other = Open(*camera);
  ASSERT_TRUE(streaming->Configure(kSmall).ok());
  ASSERT_TRUE(streaming->Start().ok());
  VoidResult busy = other->Configure(kSmallRgb);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().status, Status::kBadState);
  EXPECT_TRUE(other->Configure(kSmall).ok());  // The current mode: a no-op.
  VoidResult unknown = other->Configure({PixelFormat::kYuyv, 321, 240, {30, 1}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().status, Status::kInvalidArgs);
  ASSERT_TRUE(streaming->Stop().ok());
  ASSERT_TRUE(other->Configure(kSmallRgb).ok());
  EXPECT_EQ(camera->Info()->mode, kSmallRgb);
  ASSERT_TRUE(other->Start().ok());
  Result<CameraFrame> frame = NextFrame(*other);
  ASSERT_TRUE(frame.ok()) << frame.error().message;
  EXPECT_EQ(frame->mode, kSmallRgb);
  EXPECT_EQ(frame->bytes->size(), MaxFrameBytes(kSmallRgb));
  ExpectStampMatches(*frame);
}

TEST(SyntheticCameraTest, UnplugClosesEverySessionAndTheProvider) {
  auto camera = CreateSyntheticCamera();
  Ref<CameraOps> streaming = Open(*camera), idle = Open(*camera);
  ASSERT_TRUE(streaming->Configure(kSmall).ok());
  ASSERT_TRUE(streaming->Start().ok());
  camera->Unplug();
  camera->Unplug();  // Idempotent.
  for (CameraOps* session : {streaming.get(), idle.get()}) {
    EXPECT_EQ(session->signals(), Signals::kPeerClosed);
    EXPECT_EQ(session->Info().error().status, Status::kPeerClosed);
    EXPECT_EQ(session->Configure(kSmall).error().status, Status::kPeerClosed);
    EXPECT_EQ(session->Start().error().status, Status::kPeerClosed);
    EXPECT_EQ(session->Stop().error().status, Status::kPeerClosed);
    EXPECT_EQ(session->ReadFrame(SIZE_MAX).error().status, Status::kPeerClosed);
  }
  EXPECT_EQ(camera->OpenSession().error().status, Status::kPeerClosed);
  EXPECT_EQ(camera->provider()->Open("", Rights::kRead).error().status, Status::kPeerClosed);
}

TEST(SyntheticCameraTest, TheProviderOpensANewSessionWithTheRightsAsked) {
  auto camera = CreateSyntheticCamera();
  Ref<kernel::Provider> provider = camera->provider();
  Result<kernel::HandleEntry> a = provider->Open("", Rights::kRead | Rights::kWait);
  Result<kernel::HandleEntry> b = provider->Open("", Rights::kRead | Rights::kManage);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->object, b->object);
  EXPECT_EQ(a->object->type(), kernel::ObjectType::kCamera);
  EXPECT_EQ(a->rights, Rights::kRead | Rights::kWait);
  EXPECT_EQ(camera->Info()->sessions, 2u);
  EXPECT_EQ(provider->Open("sub", Rights::kRead).error().status, Status::kNotFound);
  EXPECT_EQ(provider->Open("", Rights::kWrite).error().status, Status::kAccessDenied);
}

}  // namespace
}  // namespace shoal::rdev
