#include "rdev/synthetic_camera.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <deque>
#include <optional>

#include "rdev/session_provider.h"

namespace shoal::rdev {
namespace {

using kernel::Notifications;
using kernel::Signals;
using SteadyTime = std::chrono::steady_clock::time_point;

// Frame buffers the capture thread keeps for reuse, so a frame costs no
// allocation and no page faults: sessions share frames, so one queue's worth
// plus the frame being painted covers a steady stream; more are allocated
// (and the oldest forgotten) when slow readers hold more.
constexpr size_t kPoolFrames = CameraOps::kQueueDepth + 2;

uint64_t RealtimeNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

// When frame `index` of a capture that started at `start` is due at `rate`:
// computed from the start every time, so rounding never accumulates.
SteadyTime FrameDeadline(SteadyTime start, uint64_t index, FrameRate rate) {
  unsigned __int128 ns = (unsigned __int128)index * 1'000'000'000u * rate.denominator;
  return start + std::chrono::nanoseconds(uint64_t(ns / rate.numerator));
}

// A buffer for the next frame: one no queue holds any more (only the pool
// owns it), or a new one.
std::shared_ptr<std::vector<uint8_t>> TakeBuffer(
    std::vector<std::shared_ptr<std::vector<uint8_t>>>& pool, size_t bytes) {
  for (auto& buffer : pool) {
    // use_count() == 1 stays so: only the pool holds it, and only this
    // thread copies from the pool. The fence orders the last reader's use
    // of the bytes (its release of the reference) before our writes.
    if (buffer.use_count() == 1 && buffer->size() == bytes) {
      std::atomic_thread_fence(std::memory_order_acquire);
      return buffer;
    }
  }
  auto buffer = std::make_shared<std::vector<uint8_t>>(bytes);
  if (pool.size() >= kPoolFrames) pool.erase(pool.begin());
  pool.push_back(buffer);
  return buffer;
}

Error Unplugged() { return MakeError(Status::kPeerClosed, "the camera was unplugged"); }

}  // namespace

// One open of the camera. Its state is the camera's, under the camera's lock.
class SyntheticCamera::Session final : public CameraOps {
 public:
  explicit Session(std::shared_ptr<SyntheticCamera> camera)
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
    if (queue_.empty()) UpdateSignals(Signals::kReadable, Signals::kNone, fired);
    return frame;
  }

  void DropQueueLocked(Signals set, Notifications& fired) {
    queue_.clear();
    UpdateSignals(Signals::kReadable, set, fired);
  }

  const CameraFrame* FrontLocked() const { return queue_.empty() ? nullptr : &queue_.front(); }

  bool started = false;  // Under the camera's lock.

 private:
  const std::shared_ptr<SyntheticCamera> camera_;
  std::deque<CameraFrame> queue_;  // Under the camera's lock.
};

std::shared_ptr<SyntheticCamera> SyntheticCamera::Create(std::string name) {
  return std::shared_ptr<SyntheticCamera>(new SyntheticCamera(std::move(name)));
}

SyntheticCamera::SyntheticCamera(std::string name) : name_(std::move(name)), modes_(Modes()) {}

SyntheticCamera::~SyntheticCamera() {
  // No session is left and no capture thread holds the camera: the last
  // thread has returned, or is returning and dropping its reference here.
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // It touches nothing of the camera after this.
  } else {
    thread_.join();
  }
}

std::vector<CameraMode> SyntheticCamera::Modes() {
  struct Size {
    uint32_t width, height;
  };
  constexpr Size kSizes[] = {{320, 240}, {640, 480}, {1280, 720}, {1920, 1080}};
  std::vector<CameraMode> modes;
  for (PixelFormat format : {PixelFormat::kYuyv, PixelFormat::kRgb24}) {
    for (Size size : kSizes) {
      for (uint32_t fps : {30u, 15u}) modes.push_back({format, size.width, size.height, {fps, 1}});
    }
  }
  return modes;
}

Result<Ref<CameraOps>> SyntheticCamera::OpenSession() {
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  auto session = std::make_shared<Session>(shared_from_this());
  sessions_.push_back(session.get());
  return Ref<CameraOps>(std::move(session));
}

Ref<kernel::Provider> SyntheticCamera::provider() {
  return SessionProvider::Create(
      kernel::ObjectType::kCamera,
      [camera = shared_from_this()]() -> Result<Ref<kernel::KernelObject>> {
        return Ref<kernel::KernelObject>(TRY(camera->OpenSession()));
      });
}

void SyntheticCamera::Unplug() {
  Notifications fired;
  MutexLock lock(&mu_);
  if (unplugged_) return;
  unplugged_ = true;
  for (Session* session : sessions_) session->DropQueueLocked(Signals::kPeerClosed, fired);
  wake_.SignalAll();
}

Result<CameraInfo> SyntheticCamera::Info() const { return InfoOf(nullptr); }

Result<CameraInfo> SyntheticCamera::InfoOf(const Session* session) const {
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  CameraInfo info;
  info.name = name_;
  info.driver = "synthetic";
  info.modes = modes_;
  info.mode = mode_;
  info.streaming = streaming_ > 0;
  info.sessions = uint32_t(sessions_.size());
  info.frames_captured = frames_captured_;
  info.started = session != nullptr && session->started;
  return info;
}

VoidResult SyntheticCamera::Configure(const CameraMode& mode) {
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  if (std::find(modes_.begin(), modes_.end(), mode) == modes_.end()) {
    return MakeError(Status::kInvalidArgs,
                     "the synthetic camera has no mode \"" + FormatMode(mode) + "\"");
  }
  if (mode == mode_) return Ok();
  if (streaming_ > 0) {
    return MakeError(Status::kBadState, "the camera streams " + FormatMode(mode_) +
                                            "; every session must stop before it changes mode");
  }
  mode_ = mode;
  return Ok();
}

VoidResult SyntheticCamera::Start(Session& session) {
  std::thread previous;
  {
    MutexLock lock(&mu_);
    if (unplugged_) return Unplugged();
    if (session.started) return Ok();
    session.started = true;
    ++streaming_;
    if (!capturing_) {
      capturing_ = true;
      previous = std::move(thread_);
      // The thread holds the camera, so the camera outlives it even when the
      // last session goes while a frame is being painted.
      thread_ = std::thread([self = shared_from_this()] { self->CaptureLoop(); });
    }
  }
  // The previous thread cleared capturing_ as it returned: this wait is short.
  if (previous.joinable()) previous.join();
  return Ok();
}

VoidResult SyntheticCamera::Stop(Session& session) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  if (!session.started) return Ok();
  session.started = false;
  session.DropQueueLocked(Signals::kNone, fired);
  if (--streaming_ == 0) wake_.SignalAll();
  return Ok();
}

Result<CameraFrame> SyntheticCamera::ReadFrame(Session& session, size_t max_bytes) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (unplugged_) return Unplugged();
  if (!session.started) return MakeError(Status::kBadState, "the camera session has not started");
  const CameraFrame* front = session.FrontLocked();
  if (front == nullptr) return MakeError(Status::kShouldWait, "no frame is queued yet");
  if (front->bytes->size() > max_bytes) {
    return MakeError(Status::kOutOfBounds,
                     "the next frame is " + std::to_string(front->bytes->size()) +
                         " bytes, more than the " + std::to_string(max_bytes) + " asked for");
  }
  return *session.TakeLocked(fired);
}

void SyntheticCamera::Close(Session& session) {
  MutexLock lock(&mu_);
  sessions_.erase(std::find(sessions_.begin(), sessions_.end(), &session));
  if (session.started && --streaming_ == 0) wake_.SignalAll();
}

void SyntheticCamera::DeliverLocked(const CameraFrame& frame, Notifications& fired) {
  if (frame.mode != mode_) return;  // Reconfigured while it was painted.
  for (Session* session : sessions_) {
    if (session->started) session->QueueLocked(frame, fired);
  }
}

void SyntheticCamera::CaptureLoop() {
  std::vector<std::shared_ptr<std::vector<uint8_t>>> pool;
  std::optional<SyntheticPattern> pattern;
  SteadyTime start;
  uint64_t index = 0;
  MutexLock lock(&mu_);
  auto stopping = [this]() REQUIRES(mu_) { return streaming_ == 0 || unplugged_; };
  while (!stopping()) {
    if (!pattern || pattern->mode() != mode_) {
      Result<SyntheticPattern> made = SyntheticPattern::Create(mode_);
      assert(made.ok());  // Configure accepts only modes_, which it paints.
      pattern.emplace(std::move(*made));
      start = std::chrono::steady_clock::now();
      index = 0;
    }
    SteadyTime deadline = FrameDeadline(start, index, mode_.rate);
    while (!stopping()) {
      if (!wake_.WaitUntil(mu_, deadline)) break;
    }
    if (stopping()) break;
    CameraFrame frame;
    frame.sequence = frames_captured_++;
    frame.mode = pattern->mode();
    lock.Unlock();
    frame.capture_ns = RealtimeNs();
    std::shared_ptr<std::vector<uint8_t>> buffer = TakeBuffer(pool, pattern->frame_bytes());
    pattern->Paint(frame.sequence, frame.capture_ns, *buffer);
    frame.bytes = std::move(buffer);
    {
      Notifications fired;  // Runs after the lock is released again.
      lock.Lock();
      DeliverLocked(frame, fired);
      lock.Unlock();
    }
    lock.Lock();
    // A capture that fell more than a frame behind (a loaded host) skips the
    // missed deadlines rather than bursting to catch up, as a camera would.
    auto now = std::chrono::steady_clock::now();
    auto period = FrameDeadline(start, 1, frame.mode.rate) - start;
    if (now - FrameDeadline(start, ++index, frame.mode.rate) > period) {
      start = now;
      index = 0;
    }
  }
  capturing_ = false;
}

}  // namespace shoal::rdev
