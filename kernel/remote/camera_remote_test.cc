// Cameras across the wire, over every transport of remote::Pair, with a real
// synthetic camera on side A: info and configure answer as the camera does,
// a started proxy receives the session's frames in order with their stamps,
// a slow reader loses the oldest frames and is told exactly how many, the
// server enforces the capability's rights, an unplugged camera and a cut
// connection show as kPeerClosed, and a proxy of a session that had already
// started (a process moved off the camera's node) resumes its stream. A
// reader's handle that moves on carries its position: the frames its old
// proxy had fetched count as dropped wherever the handle lands (a new proxy,
// or the session itself back home), the new proxy takes the stream only
// once it is read, so a move that never commits leaves the stream where it
// was.
#include <capnp/message.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/remote_test_support.h"
#include "rdev/camera.h"
#include "rdev/synthetic_camera.h"
#include "rdev/synthetic_pattern.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::WaitForSignals;
using rdev::CameraFrame;
using rdev::CameraMode;
using rdev::CameraOps;
using rdev::FrameRate;
using rdev::PixelFormat;

constexpr CameraMode kSmall{PixelFormat::kYuyv, 320, 240, FrameRate{30, 1}};

class CameraRemoteTest : public testing::ProxiedTest<CameraOps, CameraOps> {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    camera_ = rdev::CreateSyntheticCamera();
    Result<Ref<CameraOps>> session = camera_->OpenSession();
    ASSERT_TRUE(session.ok()) << session.error().message;
    SetUpProxy(*session);
  }

  // The next frame of `camera`, waiting (bounded) for one to arrive.
  static Result<CameraFrame> NextFrame(CameraOps& camera) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      Result<CameraFrame> frame = camera.ReadFrame(64 << 20);
      if (frame.ok() || frame.error().status != Status::kShouldWait) return frame;
      WaitForSignals(camera, Signals::kReadable | Signals::kPeerClosed);
    }
    return MakeError(Status::kShouldWait, "no frame in 100 waits");
  }

  // Starts remote_ and reads one frame, then lets frames pile up in the
  // proxy unread, as a reader frozen for a move does.
  Result<CameraFrame> ReadThenFallBehind() {
    if (VoidResult r = remote_->Configure(kSmall); !r.ok()) return r.error();
    if (VoidResult r = remote_->Start(); !r.ok()) return r.error();
    Result<CameraFrame> first = NextFrame(*remote_);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return first;
  }

  // remote_'s handle sent on from side B, as a migration sends it.
  Result<Ref<CameraOps>> MoveOn() { return testing::SendOnFromB<CameraOps>(*pair_, remote_); }

  std::shared_ptr<rdev::LocalCamera> camera_;
};

TEST_P(CameraRemoteTest, InfoAnswersAsTheCamera) {
  Result<rdev::CameraInfo> info = remote_->Info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->driver, "synthetic");
  EXPECT_EQ(info->modes, rdev::SyntheticCameraModes());
  EXPECT_EQ(info->mode, CameraMode{});
  EXPECT_FALSE(info->streaming);
  EXPECT_FALSE(info->started);
  EXPECT_EQ(info->sessions, 1u);
}

TEST_P(CameraRemoteTest, StreamsStampedFramesInOrder) {
  ASSERT_TRUE(remote_->Configure(kSmall).ok());
  EXPECT_EQ(remote_->ReadFrame(1 << 20).error().status, Status::kBadState);
  ASSERT_TRUE(remote_->Start().ok());
  EXPECT_TRUE(remote_->Start().ok());  // Idempotent.
  uint64_t previous = 0;
  for (int i = 0; i < 8; ++i) {
    Result<CameraFrame> frame = NextFrame(*remote_);
    ASSERT_TRUE(frame.ok()) << frame.error().message;
    EXPECT_EQ(frame->mode, kSmall);
    ASSERT_NE(frame->bytes, nullptr);
    EXPECT_EQ(frame->bytes->size(), rdev::MaxFrameBytes(kSmall));
    Result<rdev::SyntheticStamp> stamp = rdev::ReadSyntheticStamp(kSmall, *frame->bytes);
    ASSERT_TRUE(stamp.ok()) << stamp.error().message;
    EXPECT_EQ(stamp->sequence, frame->sequence);
    EXPECT_EQ(stamp->capture_ns, frame->capture_ns);
    // A loaded machine may make this reader late: a gap is allowed only as
    // far as `dropped` accounts for it.
    if (i > 0) {
      EXPECT_EQ(frame->sequence - previous - 1, frame->dropped);
    }
    previous = frame->sequence;
  }
  Result<rdev::CameraInfo> info = remote_->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->streaming);
  EXPECT_TRUE(info->started);
  EXPECT_EQ(remote_->Configure(CameraMode{}).error().status, Status::kBadState);
  ASSERT_TRUE(remote_->Stop().ok());
  EXPECT_EQ(remote_->ReadFrame(1 << 20).error().status, Status::kBadState);
}

TEST_P(CameraRemoteTest, SlowReaderGetsTheNewestFramesAndCountsTheLost) {
  ASSERT_TRUE(remote_->Configure(kSmall).ok());
  ASSERT_TRUE(remote_->Start().ok());
  Result<CameraFrame> first = NextFrame(*remote_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  // About 15 frames are captured meanwhile; the queues keep 4.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Result<CameraFrame> late = NextFrame(*remote_);
  ASSERT_TRUE(late.ok()) << late.error().message;
  EXPECT_GT(late->dropped, 0u);
  EXPECT_EQ(late->sequence - first->sequence - 1, late->dropped);
}

TEST_P(CameraRemoteTest, TooSmallABufferKeepsTheFrame) {
  ASSERT_TRUE(remote_->Configure(kSmall).ok());
  ASSERT_TRUE(remote_->Start().ok());
  ASSERT_TRUE(Any(WaitForSignals(*remote_, Signals::kReadable), Signals::kReadable));
  EXPECT_EQ(remote_->ReadFrame(100).error().status, Status::kOutOfBounds);
  Result<CameraFrame> frame = remote_->ReadFrame(1 << 20);
  ASSERT_TRUE(frame.ok()) << frame.error().message;
}

TEST_P(CameraRemoteTest, ServerEnforcesTheCapabilitysRights) {
  Ref<CameraOps> read_only = ProxyOf<CameraOps>(local_, Rights::kRead | Rights::kWait);
  ASSERT_NE(read_only, nullptr);
  EXPECT_EQ(read_only->Configure(kSmall).error().status, Status::kAccessDenied);
  EXPECT_TRUE(read_only->Start().ok());
  Ref<CameraOps> no_read = ProxyOf<CameraOps>(local_, Rights::kManage | Rights::kWait);
  ASSERT_NE(no_read, nullptr);
  EXPECT_EQ(no_read->Start().error().status, Status::kAccessDenied);
  EXPECT_TRUE(no_read->Info().ok());  // Needs no right.
  read_only.reset();
  no_read.reset();
}

TEST_P(CameraRemoteTest, UnplugShowsAsPeerClosed) {
  ASSERT_TRUE(remote_->Start().ok());
  camera_->Unplug();
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  Result<CameraFrame> frame = remote_->ReadFrame(64 << 20);
  // Frames that crossed before the unplug may still be read; then it is gone.
  for (int i = 0; i < 8 && frame.ok(); ++i) frame = remote_->ReadFrame(64 << 20);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().status, Status::kPeerClosed);
}

TEST_P(CameraRemoteTest, CutConnectionFailsCallsAndWakesReaders) {
  ASSERT_TRUE(remote_->Start().ok());
  pair_->Cut();
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(remote_->Info().error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Configure(kSmall).error().status, Status::kPeerGone);
  Result<CameraFrame> frame = remote_->ReadFrame(64 << 20);
  for (int i = 0; i < 8 && frame.ok(); ++i) frame = remote_->ReadFrame(64 << 20);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().status, Status::kPeerGone);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_P(CameraRemoteTest, AProxyOfAStartedSessionResumesItsStream) {
  // A session of its own: remote_ (a proxy of local_) would resume too and
  // share its frames.
  Result<Ref<CameraOps>> session = camera_->OpenSession();
  ASSERT_TRUE(session.ok()) << session.error().message;
  ASSERT_TRUE((*session)->Configure(kSmall).ok());
  ASSERT_TRUE((*session)->Start().ok());
  Result<CameraFrame> before = NextFrame(**session);
  ASSERT_TRUE(before.ok()) << before.error().message;
  // As a migration does: the started session's handle crosses, unread.
  Ref<CameraOps> moved = ProxyOf<CameraOps>(*session);
  ASSERT_NE(moved, nullptr);
  Result<CameraFrame> after = NextFrame(*moved);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->sequence - before->sequence - 1, after->dropped);
  moved.reset();
}

TEST_P(CameraRemoteTest, AMovedReaderIsToldOfTheFramesItsOldProxyHeld) {
  Result<CameraFrame> last = ReadThenFallBehind();
  ASSERT_TRUE(last.ok()) << last.error().message;
  Result<Ref<CameraOps>> moved = MoveOn();
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  ASSERT_NE(*moved, remote_);
  remote_.reset();  // The old node lets its proxy go, frames and all.
  Result<CameraFrame> next = NextFrame(**moved);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_GT(next->sequence, last->sequence + 1);  // The old proxy's frames are gone...
  EXPECT_EQ(next->sequence - last->sequence - 1, next->dropped);  // ...and counted.
  Result<CameraFrame> after = NextFrame(**moved);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->sequence - next->sequence - 1, after->dropped);
  moved->reset();
}

TEST_P(CameraRemoteTest, AMoveThatNeverCommitsLeavesTheStreamWithTheOldHolder) {
  Result<CameraFrame> last = ReadThenFallBehind();
  ASSERT_TRUE(last.ok()) << last.error().message;
  {
    // The destination imports the handle, then the move fails before the
    // process ever ran there: its proxy was never read.
    Result<Ref<CameraOps>> moved = MoveOn();
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The old holder goes on reading, every frame accounted for.
  for (int i = 0; i < 12; ++i) {
    Result<CameraFrame> frame = NextFrame(*remote_);
    ASSERT_TRUE(frame.ok()) << "frame " << i << ": " << frame.error().message;
    EXPECT_EQ(frame->sequence - last->sequence - 1, frame->dropped) << "frame " << i;
    last = std::move(frame);
  }
}

TEST_P(CameraRemoteTest, AReaderComingHomeIsToldOfTheFramesItsProxyHeld) {
  Result<CameraFrame> last = ReadThenFallBehind();
  ASSERT_TRUE(last.ok()) << last.error().message;
  // The handle goes back to side A over a channel, as a process moving back
  // to the camera's node takes it: A gets the session itself.
  auto [here, there] = Channel::Create().value();
  Ref<ChannelOps> there_from_b = ProxyOf<ChannelOps>(there);
  ASSERT_NE(there_from_b, nullptr);
  ASSERT_TRUE(
      there_from_b->Write({}, {HandleEntry{remote_, DefaultRights(ObjectType::kCamera)}}).ok());
  ASSERT_TRUE(Any(WaitForSignals(*here, Signals::kReadable), Signals::kReadable));
  Result<Message> message = here->Read({});
  ASSERT_TRUE(message.ok()) << message.error().message;
  ASSERT_EQ(message->handles.size(), 1u);
  Ref<CameraOps> home = std::static_pointer_cast<CameraOps>(message->handles[0].object);
  EXPECT_EQ(home, local_);
  remote_.reset();
  there_from_b.reset();
  for (int i = 0; i < 6; ++i) {
    Result<CameraFrame> frame = NextFrame(*home);
    ASSERT_TRUE(frame.ok()) << "frame " << i << ": " << frame.error().message;
    EXPECT_GT(frame->sequence, last->sequence) << "frame " << i;
    EXPECT_EQ(frame->sequence - last->sequence - 1, frame->dropped) << "frame " << i;
    last = std::move(frame);
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, CameraRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
