// The server of an exported camera session (Camera in object_rpc.capnp).
//
// start() starts the session and drains its queue into the holder's sink
// (StreamDrain), one stream call per frame, as fast as the sink's window
// allows. While the window is full the frames wait in the session, whose
// queue drops the oldest and counts them, so a slow holder gets the newest
// frames and learns of every gap. stop() ends the drain and stops the
// session; so does the holder dropping the subscription or its connection.
#include <limits>

#include "kernel/remote/camera_wire.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/stream_drain.h"
#include "kernel/remote/subscription.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

using rdev::CameraFrame;
using rdev::CameraOps;

// One holder's stream: its sink and the drain that feeds it. Owned by the
// start's subscription; loop thread.
struct Attachment {
  proto::rpc::CameraSink::Client sink;
  std::shared_ptr<StreamDrain> drain;
};

// The session's next frame as a delivery to the sink. Every camera answers
// ReadFrame at once (its queue is local), so the answer is here on return.
kj::Maybe<kj::Promise<void>> Deliver(CameraOps& camera, Attachment& attachment,
                                     StreamDrain& drain) {
  std::optional<Result<CameraFrame>> frame;
  camera.ReadFrameAsync(std::numeric_limits<size_t>::max(),
                        [&frame](Result<CameraFrame> f) { frame = std::move(f); });
  if (!frame.has_value() || !frame->ok()) {
    // Nothing queued yet; anything else (stopped, gone) ends the stream, and
    // the holder learns why from the signals and its next call.
    if (!frame.has_value() || frame->error().status != Status::kShouldWait) drain.End();
    return nullptr;
  }
  auto request = attachment.sink.deliverRequest();
  WriteCameraFrame(**frame, request.initFrame());
  return request.send();
}

class CameraServer final : public proto::rpc::Camera::Server, public ServerBase {
 public:
  CameraServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : ServerBase(std::move(link), std::move(object), rights),
        camera_(std::static_pointer_cast<CameraOps>(this->object())) {}

  kj::Promise<void> info(InfoContext context) override {
    Ref<CameraOps> camera = camera_;
    return Completion<Result<rdev::CameraInfo>>(
               [&](CameraOps::InfoDone done) { camera->InfoAsync(std::move(done)); })
        .then([context](Result<rdev::CameraInfo> info) mutable {
          auto results = context.getResults();
          if (!info.ok()) return SetOutcome(results.initOutcome(), info.error());
          WriteCameraInfo(*info, results.initInfo());
        });
  }

  kj::Promise<void> configure(ConfigureContext context) override {
    if (!Allowed(context, Require(Rights::kManage))) return kj::READY_NOW;
    Result<rdev::CameraMode> mode = ReadCameraMode(context.getParams().getMode());
    if (!Allowed(context, mode.ok() ? Ok() : VoidResult(mode.error()))) return kj::READY_NOW;
    return Answer(context,
                  [&](CameraOps::Done done) { camera_->ConfigureAsync(*mode, std::move(done)); });
  }

  kj::Promise<void> start(StartContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    Ref<CameraOps> camera = camera_;
    return Completion<VoidResult>(
               [&](CameraOps::Done done) { camera->StartAsync(std::move(done)); })
        .then([this, context](VoidResult started) mutable {
          RefreshWatchers();
          auto results = context.getResults();
          if (!started.ok()) return SetOutcome(results.initOutcome(), started.error());
          if (auto previous = attachment_.lock()) previous->drain->End();
          auto attachment =
              LoopShared(loop(), new Attachment{context.getParams().getSink(), nullptr});
          std::weak_ptr<Attachment> weak = attachment;  // It owns the drain.
          attachment->drain = StreamDrain::Start(
              loop(), camera_, Signals::kReadable | Signals::kPeerClosed,
              [camera = camera_, weak](StreamDrain& drain) -> kj::Maybe<kj::Promise<void>> {
                std::shared_ptr<Attachment> attachment = weak.lock();
                if (attachment == nullptr) return nullptr;
                return Deliver(*camera, *attachment, drain);
              });
          attachment_ = attachment;
          results.setSubscription(HoldUntilDropped(std::move(attachment)));
        });
  }

  void CameHome() override {
    if (auto attachment = attachment_.lock()) attachment->drain->End();
  }

  kj::Promise<void> stop(StopContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    if (auto attachment = attachment_.lock()) attachment->drain->End();
    return Answer(context, [&](CameraOps::Done done) { camera_->StopAsync(std::move(done)); });
  }

 private:
  // Answers `context` with the outcome of `start(done)`.
  template <typename Context, typename Start>
  kj::Promise<void> Answer(Context context, Start&& start) {
    return Completion<VoidResult>(std::forward<Start>(start))
        .then([this, context](VoidResult result) mutable {
          RefreshWatchers();
          SetOutcome(context.getResults().initOutcome(), result);
        });
  }

  const Ref<CameraOps> camera_;
  std::weak_ptr<Attachment> attachment_;  // The latest start's, while its holder keeps it.
};

}  // namespace

kj::Own<ServerBase> NewCameraServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                    Rights rights) {
  return kj::heap<CameraServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
