#include "rdev/local_camera.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "rdev/session_provider.h"

namespace shoal::rdev {
namespace {

using kernel::Notifications;
using kernel::Signals;

}  // namespace

// One open of the camera. Its state is the camera's, under the camera's lock.
class LocalCamera::Session final : public CameraOps {
 public:
  explicit Session(std::shared_ptr<LocalCamera> camera)
      : CameraOps(kType), camera_(std::move(camera)) {}
  ~Session() override { camera_->Close(*this); }

  void InfoAsync(InfoDone done) override { done(camera_->InfoOf(this)); }
  void ConfigureAsync(const CameraMode& mode, Done done) override {
    done(camera_->Configure(mode));
  }
  void StartAsync(Done done) override { done(camera_->Start(*this)); }
  void StopAsync(Done done) override { done(camera_->Stop(*this)); }
  void ReadFrameAsync(size_t max_bytes, FrameDone done) override {
    done(camera_->ReadFrame(*this, max_bytes));
  }
  std::optional<uint64_t> LastRead() override { return camera_->LastRead(*this); }
  void ResumeAfter(uint64_t sequence) override { camera_->ResumeAfter(*this, sequence); }

  // Queues `frame`, dropping the oldest past kQueueDepth: its loss, and any
  // it carried, pass to the frame that is now oldest, so the next frame read
  // says how many frames before it this session lost.
  void QueueLocked(const CameraFrame& frame, Notifications& fired) {
    queue_.push_back(frame);
    if (queue_.size() > kQueueDepth) {
      uint32_t lost = queue_.front().dropped + 1;
      queue_.pop_front();
      queue_.front().dropped += lost;
    }
    if (queue_.size() == 1) UpdateSignals(Signals::kNone, Signals::kReadable, fired);
  }

  std::optional<CameraFrame> TakeLocked(Notifications& fired) {
    if (queue_.empty()) return std::nullopt;
    CameraFrame frame = std::move(queue_.front());
    queue_.pop_front();
    position.Take(frame);
    if (queue_.empty()) UpdateSignals(Signals::kReadable, Signals::kNone, fired);
    return frame;
  }

  // Drops the frames the reader took before its handle came here.
  void DropTakenLocked(Notifications& fired) {
    while (!queue_.empty() && position.TakenBefore(queue_.front())) queue_.pop_front();
    if (queue_.empty()) UpdateSignals(Signals::kReadable, Signals::kNone, fired);
  }

  void DropQueueLocked(Signals set, Notifications& fired) {
    queue_.clear();
    position.Reset();
    UpdateSignals(Signals::kReadable, set, fired);
  }

  const CameraFrame* FrontLocked() const { return queue_.empty() ? nullptr : &queue_.front(); }

  bool started = false;         // Under the camera's lock.
  CameraReadPosition position;  // Under the camera's lock.

 private:
  const std::shared_ptr<LocalCamera> camera_;
  std::deque<CameraFrame> queue_;  // Under the camera's lock.
};

Result<std::shared_ptr<LocalCamera>> LocalCamera::Create(std::unique_ptr<CameraBackend> backend) {
  CameraDescription described = backend->Describe();
  if (described.modes.empty()) {
    return MakeError(Status::kInvalidArgs, "camera \"" + described.name + "\" has no mode");
  }
  return std::shared_ptr<LocalCamera>(new LocalCamera(std::move(backend), std::move(described)));
}

LocalCamera::LocalCamera(std::unique_ptr<CameraBackend> backend, CameraDescription described)
    : backend_(std::move(backend)), described_(std::move(described)) {
  const std::vector<CameraMode>& modes = described_.modes;
  auto webcam_default = std::find(modes.begin(), modes.end(), CameraMode{});
  auto at_30 = std::find_if(modes.begin(), modes.end(), [](const CameraMode& mode) {
    return mode.rate == FrameRate{30, 1};
  });
  mode_ = webcam_default != modes.end() ? *webcam_default
          : at_30 != modes.end()        ? *at_30
                                        : modes.front();
}

LocalCamera::~LocalCamera() {
  // No session is left and no capture thread holds the camera: the last
  // thread has returned, or is returning and dropping its reference here.
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // It touches nothing of the camera after this.
  } else {
    thread_.join();
  }
}

Result<Ref<CameraOps>> LocalCamera::OpenSession() {
  MutexLock lock(&mu_);
  if (!gone_.empty()) return GoneLocked();
  auto session = std::make_shared<Session>(shared_from_this());
  sessions_.push_back(session.get());
  return Ref<CameraOps>(std::move(session));
}

Ref<kernel::Provider> LocalCamera::provider() {
  return SessionProvider::Create(
      kernel::ObjectType::kCamera,
      [camera = shared_from_this()]() -> Result<Ref<kernel::KernelObject>> {
        return Ref<kernel::KernelObject>(TRY(camera->OpenSession()));
      });
}

Error LocalCamera::GoneLocked() const { return MakeError(Status::kPeerClosed, gone_); }

void LocalCamera::GoLocked(std::string why, Notifications& fired) {
  if (!gone_.empty()) return;
  gone_ = std::move(why);
  for (Session* session : sessions_) session->DropQueueLocked(Signals::kPeerClosed, fired);
  backend_->Interrupt();
}

void LocalCamera::Unplug() {
  Notifications fired;
  MutexLock lock(&mu_);
  GoLocked("the camera was unplugged", fired);
}

Result<CameraInfo> LocalCamera::Info() const { return InfoOf(nullptr); }

Result<CameraInfo> LocalCamera::InfoOf(const Session* session) const {
  MutexLock lock(&mu_);
  if (!gone_.empty()) return GoneLocked();
  CameraInfo info;
  info.name = described_.name;
  info.driver = described_.driver;
  info.modes = described_.modes;
  info.mode = mode_;
  info.streaming = streaming_ > 0;
  info.sessions = uint32_t(sessions_.size());
  info.frames_captured = frames_captured_;
  info.started = session != nullptr && session->started;
  return info;
}

VoidResult LocalCamera::Configure(const CameraMode& mode) {
  MutexLock lock(&mu_);
  if (!gone_.empty()) return GoneLocked();
  const std::vector<CameraMode>& modes = described_.modes;
  if (std::find(modes.begin(), modes.end(), mode) == modes.end()) {
    return MakeError(Status::kInvalidArgs,
                     "camera \"" + described_.name + "\" has no mode \"" + FormatMode(mode) + "\"");
  }
  if (mode == mode_) return Ok();
  if (streaming_ > 0) {
    return MakeError(Status::kBadState, "the camera streams " + FormatMode(mode_) +
                                            "; every session must stop before it changes mode");
  }
  mode_ = mode;
  return Ok();
}

VoidResult LocalCamera::Start(Session& session) {
  std::thread previous;
  {
    MutexLock lock(&mu_);
    if (!gone_.empty()) return GoneLocked();
    if (session.started) return Ok();
    session.started = true;
    ++streaming_;
    if (!capturing_) {
      capturing_ = true;
      previous = std::move(thread_);
      // The thread holds the camera, so the camera outlives it even when the
      // last session goes while a frame is being captured.
      thread_ = std::thread([self = shared_from_this()] { self->CaptureLoop(); });
    }
  }
  // The previous thread cleared capturing_ as it returned: this wait is short.
  if (previous.joinable()) previous.join();
  return Ok();
}

VoidResult LocalCamera::Stop(Session& session) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (!gone_.empty()) return GoneLocked();
  if (!session.started) return Ok();
  session.started = false;
  session.DropQueueLocked(Signals::kNone, fired);
  if (--streaming_ == 0) backend_->Interrupt();
  return Ok();
}

Result<CameraFrame> LocalCamera::ReadFrame(Session& session, size_t max_bytes) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (!gone_.empty()) return GoneLocked();
  if (!session.started) return MakeError(Status::kBadState, "the camera session has not started");
  session.DropTakenLocked(fired);
  const CameraFrame* front = session.FrontLocked();
  if (front == nullptr) return MakeError(Status::kShouldWait, "no frame is queued yet");
  if (front->bytes->size() > max_bytes) {
    return MakeError(Status::kOutOfBounds,
                     "the next frame is " + std::to_string(front->bytes->size()) +
                         " bytes, more than the " + std::to_string(max_bytes) + " asked for");
  }
  return *session.TakeLocked(fired);
}

std::optional<uint64_t> LocalCamera::LastRead(Session& session) {
  MutexLock lock(&mu_);
  return session.position.last_read();
}

void LocalCamera::ResumeAfter(Session& session, uint64_t sequence) {
  MutexLock lock(&mu_);
  session.position.ResumeAfter(sequence);
}

void LocalCamera::Close(Session& session) {
  MutexLock lock(&mu_);
  sessions_.erase(std::find(sessions_.begin(), sessions_.end(), &session));
  if (session.started && --streaming_ == 0) backend_->Interrupt();
}

void LocalCamera::DeliverLocked(const CameraFrame& frame, Notifications& fired) {
  if (frame.mode != mode_) return;  // Reconfigured while it was captured.
  for (Session* session : sessions_) {
    if (session->started) session->QueueLocked(frame, fired);
  }
}

void LocalCamera::CaptureLoop() {
  std::optional<CameraMode> begun;  // The mode the backend captures in.
  MutexLock lock(&mu_);
  while (!StoppingLocked()) {
    if (begun != mode_) {
      CameraMode mode = mode_;
      lock.Unlock();
      if (begun) backend_->End();
      VoidResult began = backend_->Begin(mode);
      lock.Lock();
      if (!began.ok()) {
        begun.reset();
        {
          Notifications fired;  // Runs after the lock is released.
          GoLocked("the camera could not start capturing " + FormatMode(mode) + ": " +
                       began.error().message,
                   fired);
          lock.Unlock();
        }
        lock.Lock();
        break;
      }
      begun = mode;
      continue;  // The stream may have stopped meanwhile.
    }
    // Only this thread counts frames, so the number holds until it does.
    uint64_t sequence = frames_captured_;
    lock.Unlock();
    Result<CapturedFrame> captured = backend_->Next(sequence);
    lock.Lock();
    if (!captured.ok()) {
      if (captured.error().status == Status::kShouldWait) continue;  // Interrupted.
      {
        Notifications fired;  // Runs after the lock is released.
        GoLocked("the camera failed: " + captured.error().message, fired);
        lock.Unlock();
      }
      lock.Lock();
      break;
    }
    ++frames_captured_;
    CameraFrame frame{sequence, captured->capture_ns, 0, *begun, std::move(captured->bytes)};
    {
      Notifications fired;  // Runs after the lock is released.
      DeliverLocked(frame, fired);
      lock.Unlock();
    }
    lock.Lock();
  }
  if (begun) {
    lock.Unlock();
    backend_->End();
    lock.Lock();
  }
  capturing_ = false;
}

}  // namespace shoal::rdev
