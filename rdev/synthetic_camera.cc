#include "rdev/synthetic_camera.h"

#include <cassert>
#include <chrono>
#include <optional>

#include "kernel/base/clock.h"
#include "kernel/base/thread_annotations.h"
#include "rdev/frame_pool.h"
#include "rdev/synthetic_jpeg.h"
#include "rdev/synthetic_pattern.h"

namespace shoal::rdev {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Sessions share frames, so one queue's worth plus the frame being painted
// covers a steady stream.
constexpr size_t kPoolFrames = CameraOps::kQueueDepth + 2;

// When frame `index` of a capture that started at `start` is due at `rate`:
// computed from the start every time, so rounding never accumulates.
SteadyTime FrameDeadline(SteadyTime start, uint64_t index, FrameRate rate) {
  unsigned __int128 ns = (unsigned __int128)index * 1'000'000'000u * rate.denominator;
  return start + std::chrono::nanoseconds(uint64_t(ns / rate.numerator));
}

class SyntheticCameraBackend final : public CameraBackend {
 public:
  explicit SyntheticCameraBackend(std::string name) : name_(std::move(name)) {}

  CameraDescription Describe() const override {
    return {name_, "synthetic", SyntheticCameraModes()};
  }

  VoidResult Begin(const CameraMode& mode) override {
    pattern_.reset();
    jpeg_.reset();
    if (mode.format == PixelFormat::kMjpeg) {
      jpeg_.emplace(TRY(SyntheticJpeg::Create(mode)));
    } else {
      pattern_.emplace(TRY(SyntheticPattern::Create(mode)));
    }
    mode_ = mode;
    start_ = std::chrono::steady_clock::now();
    index_ = 0;
    return Ok();
  }

  Result<CapturedFrame> Next(uint64_t sequence) override {
    FrameRate rate = mode_.rate;
    {
      MutexLock lock(&mu_);
      SteadyTime deadline = FrameDeadline(start_, index_, rate);
      while (!interrupted_) {
        if (!wake_.WaitUntil(mu_, deadline)) break;  // Due.
      }
      if (interrupted_) {
        interrupted_ = false;
        return MakeError(Status::kShouldWait, "interrupted");
      }
    }
    CapturedFrame frame;
    frame.capture_ns = RealtimeNow();
    if (jpeg_) {
      frame.bytes = TRY(jpeg_->Frame(sequence, frame.capture_ns, pool_));
    } else {
      std::shared_ptr<std::vector<uint8_t>> buffer = pool_.Take(pattern_->frame_bytes());
      pattern_->Paint(sequence, frame.capture_ns, *buffer);
      frame.bytes = std::move(buffer);
    }
    // A capture that fell more than a frame behind (a loaded host) skips the
    // missed deadlines rather than bursting to catch up, as a camera would.
    auto now = std::chrono::steady_clock::now();
    auto period = FrameDeadline(start_, 1, rate) - start_;
    if (now - FrameDeadline(start_, ++index_, rate) > period) {
      start_ = now;
      index_ = 0;
    }
    return frame;
  }

  void Interrupt() override {
    MutexLock lock(&mu_);
    interrupted_ = true;
    wake_.SignalAll();
  }

  void End() override {
    pattern_.reset();
    jpeg_.reset();
  }

 private:
  const std::string name_;
  // The capture thread's own state, between Begin and End: the painter of
  // the mode's frames, raw or JPEG.
  CameraMode mode_;
  std::optional<SyntheticPattern> pattern_;
  std::optional<SyntheticJpeg> jpeg_;
  SteadyTime start_;
  uint64_t index_ = 0;
  FramePool pool_{kPoolFrames};

  Mutex mu_;
  CondVar wake_;  // Signalled by Interrupt.
  bool interrupted_ GUARDED_BY(mu_) = false;
};

}  // namespace

std::vector<CameraMode> SyntheticCameraModes() {
  struct Size {
    uint32_t width, height;
  };
  constexpr Size kSizes[] = {{320, 240}, {640, 480}, {1280, 720}, {1920, 1080}};
  std::vector<CameraMode> modes;
  for (PixelFormat format : {PixelFormat::kYuyv, PixelFormat::kRgb24, PixelFormat::kMjpeg}) {
    for (Size size : kSizes) {
      for (uint32_t fps : {30u, 15u}) modes.push_back({format, size.width, size.height, {fps, 1}});
    }
  }
  return modes;
}

std::shared_ptr<LocalCamera> CreateSyntheticCamera(std::string name) {
  Result<std::shared_ptr<LocalCamera>> camera =
      LocalCamera::Create(std::make_unique<SyntheticCameraBackend>(std::move(name)));
  assert(camera.ok());  // It has modes.
  return std::move(*camera);
}

}  // namespace shoal::rdev
