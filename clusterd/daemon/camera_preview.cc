#include "clusterd/daemon/camera_preview.h"

#include <chrono>
#include <optional>

#include "clusterd/daemon/proto_convert.h"
#include "kernel/base/thread_annotations.h"
#include "rdev/camera.h"

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;
using rdev::CameraOps;

constexpr uint32_t kDefaultFps = 5;
constexpr uint32_t kMaxFps = 30;

// Waits until `camera` is readable or gone, or `limit` passes.
void WaitReadable(CameraOps& camera, std::chrono::milliseconds limit) {
  struct Wake {
    Mutex mu;
    CondVar cv;
    bool fired GUARDED_BY(mu) = false;
  };
  auto wake = std::make_shared<Wake>();
  Result<kernel::ObserverToken> token = camera.ObserveAsync(
      kernel::Signals::kReadable | kernel::Signals::kPeerClosed, [wake](kernel::Signals) {
        MutexLock lock(&wake->mu);
        wake->fired = true;
        wake->cv.SignalAll();
      });
  if (!token.ok()) return;
  MutexLock lock(&wake->mu);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!wake->fired) {
    if (!wake->cv.WaitUntil(wake->mu, deadline)) break;
  }
  if (!wake->fired) {
    lock.Unlock();
    camera.CancelObserver(*token);
  }
}

}  // namespace

grpc::Status StreamCameraFrames(const kernel::HandleEntry& entry, const pb::WatchCameraRequest& request,
                                const std::function<bool(const pb::CameraFrame&)>& write,
                                const std::function<bool()>& cancelled) {
  if (entry.object->type() != CameraOps::kType) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        request.path() + " is a " +
                            std::string(kernel::ObjectTypeName(entry.object->type())) +
                            ", not a camera");
  }
  auto camera = std::static_pointer_cast<CameraOps>(entry.object);
  if (!request.mode().empty()) {
    Result<rdev::CameraMode> mode = rdev::ParseMode(request.mode());
    if (!mode.ok()) return ToGrpc(mode.error(), "mode '" + request.mode() + "'");
    if (VoidResult set = camera->Configure(*mode); !set.ok()) {
      return ToGrpc(set.error(), "cannot preview " + request.path() + " in " + request.mode());
    }
  }
  if (VoidResult started = camera->Start(); !started.ok()) {
    return ToGrpc(started.error(), "cannot start " + request.path());
  }
  uint32_t fps = request.max_fps() == 0 ? kDefaultFps : std::min(request.max_fps(), kMaxFps);
  auto spacing = std::chrono::nanoseconds(1'000'000'000 / fps);
  auto next_send = std::chrono::steady_clock::now();
  uint64_t sent = 0, skipped = 0;
  std::optional<uint64_t> previous;
  grpc::Status end = grpc::Status::OK;
  while (!cancelled() && (request.count() == 0 || sent < request.count())) {
    Result<rdev::CameraFrame> frame = camera->ReadFrame(SIZE_MAX);
    if (!frame.ok()) {
      if (frame.error().status == Status::kShouldWait) {
        WaitReadable(*camera, std::chrono::seconds(1));
        continue;
      }
      end = ToGrpc(frame.error(), request.path());
      break;
    }
    if (previous) skipped += frame->sequence - *previous - 1;
    previous = frame->sequence;
    auto now = std::chrono::steady_clock::now();
    if (now < next_send) {
      ++skipped;  // The rate cap: read to keep the queue fresh, not sent.
      continue;
    }
    next_send = std::max(next_send + spacing, now);
    pb::CameraFrame out;
    out.set_sequence(frame->sequence);
    out.set_capture_unix_ns(frame->capture_ns);
    out.set_skipped(skipped);
    out.set_mode(rdev::FormatMode(frame->mode));
    out.set_format(std::string(rdev::PixelFormatName(frame->mode.format)));
    out.set_width(frame->mode.width);
    out.set_height(frame->mode.height);
    out.set_data(frame->bytes->data(), frame->bytes->size());
    skipped = 0;
    if (!write(out)) break;
    ++sent;
  }
  (void)camera->Stop();
  return end;
}

}  // namespace shoal::clusterd
