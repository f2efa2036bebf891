// A camera session on another node (Camera in object_rpc.capnp).
//
// Start attaches a sink: the remote session pushes its frames here as they
// are captured, so ReadFrame is local and a frame is in the reader's hands
// as soon as it has crossed the link. The proxy keeps CameraOps::kQueueDepth
// frames like a local session and drops the oldest, counting them into the
// next frame's `dropped` with the drops the remote session reported, so the
// sink never pushes back and the link always carries the newest frames.
//
// kReadable is the local queue's; of the remote signals only kPeerClosed
// (the camera unplugged) is mirrored. A gone link sets kPeerClosed: queued
// frames are still read, then calls fail with kPeerGone.
//
// A proxy made for a session that has already started (a process moved off
// the camera's node, its handle now imported here) asks, and attaches when
// the reader first reads or waits: a process arriving by migration does
// neither before its move commits, so a move that fails leaves the stream
// with the holder that still has the process. The reader's position came
// with the handle (handle_state.h): the frames the old holder had fetched
// but the reader never took count as dropped in the first frame read here.
#include <kj/debug.h>

#include <deque>
#include <optional>
#include <vector>

#include "kernel/remote/camera_wire.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

using rdev::CameraFrame;
using rdev::CameraOps;
using rdev::CameraReadPosition;

class CameraProxy final : public MirroredProxy<FetchesOnUse<CameraOps>> {
 public:
  CameraProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : MirroredProxy(std::move(link), kj::mv(capability)) {}

  // Loop thread, once owned.
  void Start(const std::shared_ptr<CameraProxy>& self);

  void MirrorSignals(Signals remote) override {
    Notifications fired;
    MutexLock lock(&mu_);
    remote_closed_ = (remote & Signals::kPeerClosed) != Signals::kNone;
    UpdateLocked(fired);
  }
  // Frames come through the sink; the remote kReadable's edges say nothing here.
  void MirrorPulse(Signals) override {}
  void OnLinkGone() override {
    Notifications fired;
    MutexLock lock(&mu_);
    gone_ = true;
    UpdateLocked(fired);
  }

  void InfoAsync(InfoDone done) override {
    Call<proto::rpc::Camera, Result<rdev::CameraInfo>>(
        [](proto::rpc::Camera::Client camera) { return camera.infoRequest(); },
        [](auto& response) -> Result<rdev::CameraInfo> {
          TRY(ReadOutcome(response.getOutcome()));
          return ReadCameraInfo(response.getInfo());
        },
        std::move(done));
  }

  void ConfigureAsync(const rdev::CameraMode& mode, Done done) override {
    Call<proto::rpc::Camera, VoidResult>(
        [mode](proto::rpc::Camera::Client camera) {
          auto request = camera.configureRequest();
          WriteCameraMode(mode, request.initMode());
          return request;
        },
        [](auto& response) { return ReadOutcome(response.getOutcome()); }, std::move(done));
  }

  void StartAsync(Done done) override;
  void StopAsync(Done done) override;
  void ReadFrameAsync(size_t max_bytes, FrameDone done) override;

  std::optional<uint64_t> LastRead() override {
    MutexLock lock(&mu_);
    return position_.last_read();
  }
  void ResumeAfter(uint64_t sequence) override {
    MutexLock lock(&mu_);
    position_.ResumeAfter(sequence);
  }

  // From the sink of start number `generation` (loop thread).
  void Enqueue(uint64_t generation, CameraFrame frame);

 private:
  // kResuming until the remote session says whether it has started: a
  // reader meanwhile waits (kShouldWait), and is woken to learn the answer.
  // kDeferred: it has, and the proxy attaches once the reader wants frames.
  enum class State { kResuming, kDeferred, kStopped, kStarting, kStarted };
  using Subscription = kj::Maybe<proto::rpc::Subscription::Client>;

  // The reader wants frames: attaches a deferred stream, or has the
  // resume attach at once.
  void Demand() override;
  // Sends start with a sink for a new generation. Loop thread.
  void Attach();
  // Posts Attach to the loop thread.
  void PostAttach();
  // Start number `generation` answered (nullopt: it could not be sent):
  // settles the state if no stop or later start came meanwhile, and answers
  // every StartAsync waiting.
  void Started(std::optional<uint64_t> generation, const VoidResult& outcome,
               Subscription subscription);
  void UpdateLocked(Notifications& fired) REQUIRES(mu_);

  Mutex mu_;
  State state_ GUARDED_BY(mu_) = State::kResuming;
  uint64_t generation_ GUARDED_BY(mu_) = 0;  // Of the latest start; frames of older ones are late.
  std::vector<Done> start_waiters_ GUARDED_BY(mu_);
  std::deque<CameraFrame> queue_ GUARDED_BY(mu_);
  uint32_t dropped_ GUARDED_BY(mu_) = 0;  // Lost here since the last frame read.
  CameraReadPosition position_ GUARDED_BY(mu_);
  bool demanded_ GUARDED_BY(mu_) = false;  // The reader has read or waited.
  bool remote_closed_ GUARDED_BY(mu_) = false;
  bool gone_ GUARDED_BY(mu_) = false;
  // The latest start's subscription (dropping it ends the push): used and
  // destroyed on the loop thread only, whichever thread drops the proxy.
  std::shared_ptr<Subscription> subscription_;
};

// Receives one start's frames.
class Sink final : public proto::rpc::CameraSink::Server {
 public:
  Sink(std::weak_ptr<CameraProxy> proxy, uint64_t generation)
      : proxy_(std::move(proxy)), generation_(generation) {}

  kj::Promise<void> deliver(DeliverContext context) override {
    Result<CameraFrame> frame = ReadCameraFrame(context.getParams().getFrame());
    if (!frame.ok()) {
      return KJ_EXCEPTION(FAILED, "malformed camera frame", frame.error().message);
    }
    if (auto proxy = proxy_.lock()) proxy->Enqueue(generation_, std::move(frame).value());
    return kj::READY_NOW;
  }

 private:
  const std::weak_ptr<CameraProxy> proxy_;
  const uint64_t generation_;
};

void CameraProxy::Start(const std::shared_ptr<CameraProxy>& self) {
  subscription_ = LoopShared(link()->loop(), new Subscription);
  MirroredProxy::Start(self);
  std::weak_ptr<CameraProxy> weak = self;
  auto resumed = [weak](bool started) {
    auto proxy = weak.lock();
    if (proxy == nullptr) return;
    bool attach = false;
    {
      Notifications fired;
      MutexLock lock(&proxy->mu_);
      if (proxy->state_ != State::kResuming) return;  // Started or stopped meanwhile.
      attach = started && proxy->demanded_;
      proxy->state_ = !started ? State::kStopped : attach ? State::kStarting : State::kDeferred;
      // A reader waiting for the answer retries and learns it.
      if (!started) proxy->PulseSignals(Signals::kReadable, fired);
    }
    if (attach) proxy->Attach();
  };
  auto asked = capability().castAs<proto::rpc::Camera>().infoRequest().send().then(
      [resumed](auto&& response) {
        resumed(ReadOutcome(response.getOutcome()).ok() && response.getInfo().getStarted());
      },
      [resumed](kj::Exception&&) { resumed(false); });
  link()->loop()->Detach(kj::mv(asked), "camera resume");
}

void CameraProxy::Attach() {
  uint64_t generation;
  {
    MutexLock lock(&mu_);
    generation = ++generation_;
  }
  auto self = std::static_pointer_cast<CameraProxy>(shared_from_this());
  auto request = capability().castAs<proto::rpc::Camera>().startRequest();
  request.setSink(kj::heap<Sink>(self, generation));
  std::weak_ptr<CameraProxy> weak = self;
  std::shared_ptr<Link> link = this->link();
  auto started = request.send().then(
      [weak, generation](auto&& response) {
        VoidResult outcome = ReadOutcome(response.getOutcome());
        if (auto proxy = weak.lock()) {
          proxy->Started(generation, outcome,
                         outcome.ok() ? Subscription(response.getSubscription()) : nullptr);
        }
      },
      [weak, link, generation](kj::Exception&& e) {
        if (auto proxy = weak.lock()) {
          proxy->Started(generation, FromException(e, link->peer()), nullptr);
        }
      });
  link->loop()->Detach(kj::mv(started), "camera start");
}

void CameraProxy::Demand() {
  {
    MutexLock lock(&mu_);
    demanded_ = true;
    if (state_ != State::kDeferred) return;
    state_ = State::kStarting;
  }
  PostAttach();
}

void CameraProxy::PostAttach() {
  std::weak_ptr<CameraProxy> weak = std::static_pointer_cast<CameraProxy>(shared_from_this());
  VoidResult posted = OnLoop<proto::rpc::Camera>([weak](auto) {
    if (auto proxy = weak.lock()) proxy->Attach();
  });
  if (!posted.ok()) Started(std::nullopt, posted, nullptr);
}

void CameraProxy::Started(std::optional<uint64_t> generation, const VoidResult& outcome,
                          Subscription subscription) {
  std::vector<Done> waiters;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    waiters.swap(start_waiters_);
    // A stale answer (stopped, or started again, meanwhile) changes nothing.
    if (generation.has_value() && *generation != generation_) return;
    if (state_ != State::kStarting) return;
    if (outcome.ok()) {
      state_ = State::kStarted;
      *subscription_ = kj::mv(subscription);
    } else {
      state_ = State::kStopped;
      // A reader parked while it started retries and learns it did not.
      PulseSignals(Signals::kReadable, fired);
    }
  }
  for (Done& done : waiters) done(outcome);
}

void CameraProxy::StartAsync(Done done) {
  bool send = false;
  bool started = false;
  {
    MutexLock lock(&mu_);
    started = state_ == State::kStarted;
    if (!started) {
      // Answered by the start in flight, or by the one sent now (from
      // kResuming too: start is idempotent there).
      start_waiters_.push_back(std::move(done));
      send = state_ != State::kStarting;
      state_ = State::kStarting;
    }
  }
  if (started) return done(Ok());
  if (send) PostAttach();
}

void CameraProxy::StopAsync(Done done) {
  {
    Notifications fired;
    MutexLock lock(&mu_);
    state_ = State::kStopped;
    ++generation_;  // Frames still on their way are dropped as late.
    queue_.clear();
    dropped_ = 0;
    position_.Reset();
    UpdateLocked(fired);
  }
  std::weak_ptr<CameraProxy> weak = std::static_pointer_cast<CameraProxy>(shared_from_this());
  Call<proto::rpc::Camera, VoidResult>(
      [weak](proto::rpc::Camera::Client camera) {
        if (auto proxy = weak.lock()) *proxy->subscription_ = nullptr;
        return camera.stopRequest();
      },
      [](auto& response) { return ReadOutcome(response.getOutcome()); }, std::move(done));
}

void CameraProxy::ReadFrameAsync(size_t max_bytes, FrameDone done) {
  Demand();
  Result<CameraFrame> answer = [&]() -> Result<CameraFrame> {
    Notifications fired;
    MutexLock lock(&mu_);
    while (!queue_.empty() && position_.TakenBefore(queue_.front())) queue_.pop_front();
    if (queue_.empty()) {
      UpdateLocked(fired);
      if (gone_) return link()->GoneError();
      if (remote_closed_) return MakeError(Status::kPeerClosed, "the camera is gone");
      if (state_ == State::kStopped) {
        return MakeError(Status::kBadState, "the camera session has not started");
      }
      return MakeError(Status::kShouldWait, "no frame yet");
    }
    CameraFrame& head = queue_.front();
    if (head.bytes != nullptr && head.bytes->size() > max_bytes) {
      return MakeError(Status::kOutOfBounds, "the frame is " + std::to_string(head.bytes->size()) +
                                                 " bytes, more than the buffer's " +
                                                 std::to_string(max_bytes));
    }
    CameraFrame frame = std::move(head);
    queue_.pop_front();
    frame.dropped += dropped_;
    dropped_ = 0;
    position_.Take(frame);
    UpdateLocked(fired);
    return frame;
  }();
  done(std::move(answer));
}

void CameraProxy::Enqueue(uint64_t generation, CameraFrame frame) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (generation != generation_ || state_ == State::kStopped) return;
  if (queue_.size() == kQueueDepth) {
    // The reader is behind: its next frame counts this one and the drops
    // reported before it.
    dropped_ += queue_.front().dropped + 1;
    queue_.pop_front();
  }
  queue_.push_back(std::move(frame));
  UpdateLocked(fired);
}

void CameraProxy::UpdateLocked(Notifications& fired) {
  Signals set = Signals::kNone;
  if (!queue_.empty()) set |= Signals::kReadable;
  if (remote_closed_ || gone_) set |= Signals::kPeerClosed;
  UpdateSignals(Signals::kAll, set, fired);
}

}  // namespace

Ref<KernelObject> NewCameraProxy(const std::shared_ptr<Link>& link,
                                 proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<CameraProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

}  // namespace shoal::kernel::remote
