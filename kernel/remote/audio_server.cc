// The server of an exported audio session (Audio in object_rpc.capnp).
//
// Each call checks the capability's rights as AudioOps says (info and status
// none, configure kManage, start, stop and drain the stream right of the
// device's direction, write kWrite, read kRead), starts the session's async
// operation and answers from its completion on the loop thread. kShouldWait
// travels as an outcome like any failure. Every call may change kWritable,
// kReadable or the stream's state, so the watchers are refreshed after each.
#include <kj/async.h>

#include "kernel/remote/audio_wire.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

using rdev::AudioOps;

class AudioServer final : public proto::rpc::Audio::Server, public ServerBase {
 public:
  AudioServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : ServerBase(std::move(link), std::move(object), rights),
        audio_(std::static_pointer_cast<AudioOps>(this->object())) {}

  kj::Promise<void> info(InfoContext context) override {
    Ref<AudioOps> audio = audio_;
    return Completion<Result<rdev::AudioInfo>>(
               [&](AudioOps::InfoDone done) { audio->InfoAsync(std::move(done)); })
        .then([context](Result<rdev::AudioInfo> info) mutable {
          auto results = context.getResults();
          if (!info.ok()) return SetOutcome(results.initOutcome(), info.error());
          WriteAudioInfo(*info, results.initInfo());
        });
  }

  kj::Promise<void> status(StatusContext context) override {
    Ref<AudioOps> audio = audio_;
    return Completion<Result<rdev::AudioStatus>>(
               [&](AudioOps::StatusDone done) { audio->StatusAsync(std::move(done)); })
        .then([context](Result<rdev::AudioStatus> status) mutable {
          auto results = context.getResults();
          if (!status.ok()) return SetOutcome(results.initOutcome(), status.error());
          WriteAudioStatus(*status, results.initStatus());
        });
  }

  kj::Promise<void> configure(ConfigureContext context) override {
    if (!Allowed(context, Require(Rights::kManage))) return kj::READY_NOW;
    Result<rdev::AudioConfig> config = ReadAudioConfig(context.getParams().getConfig());
    if (!Allowed(context, config.ok() ? Ok() : VoidResult(config.error()))) return kj::READY_NOW;
    return Answer(context,
                  [&](AudioOps::Done done) { audio_->ConfigureAsync(*config, std::move(done)); });
  }

  kj::Promise<void> start(StartContext context) override {
    if (!Allowed(context, Require(audio_->StreamRights()))) return kj::READY_NOW;
    return Answer(context, [&](AudioOps::Done done) { audio_->StartAsync(std::move(done)); });
  }

  kj::Promise<void> stop(StopContext context) override {
    if (!Allowed(context, Require(audio_->StreamRights()))) return kj::READY_NOW;
    return Answer(context, [&](AudioOps::Done done) { audio_->StopAsync(std::move(done)); });
  }

  kj::Promise<void> drain(DrainContext context) override {
    if (!Allowed(context, Require(audio_->StreamRights()))) return kj::READY_NOW;
    return Answer(context, [&](AudioOps::Done done) { audio_->DrainAsync(std::move(done)); });
  }

  kj::Promise<void> write(WriteContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    auto bytes = context.getParams().getBytes();
    Ref<AudioOps> audio = audio_;
    // The session copies `bytes` before WriteAsync returns; the params
    // outlive the call.
    return Completion<Result<size_t>>([&](AudioOps::WriteDone done) {
             audio->WriteAsync(std::span<const uint8_t>(bytes.begin(), bytes.size()),
                               std::move(done));
           })
        .then([this, context](Result<size_t> frames) mutable {
          RefreshWatchers();
          auto results = context.getResults();
          if (!frames.ok()) return SetOutcome(results.initOutcome(), frames.error());
          results.setFrames(*frames);
        });
  }

  kj::Promise<void> read(ReadContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    uint64_t wanted = context.getParams().getMaxBytes();
    size_t max_bytes = wanted > AudioOps::kMaxTransfer ? AudioOps::kMaxTransfer : size_t(wanted);
    Ref<AudioOps> audio = audio_;
    return Completion<Result<rdev::AudioRead>>(
               [&](AudioOps::ReadDone done) { audio->ReadAsync(max_bytes, std::move(done)); })
        .then([this, context](Result<rdev::AudioRead> read) mutable {
          RefreshWatchers();
          auto results = context.getResults();
          if (!read.ok()) return SetOutcome(results.initOutcome(), read.error());
          results.setBytes(kj::arrayPtr(read->bytes.data(), read->bytes.size()));
          results.setLost(read->lost);
        });
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

  const Ref<AudioOps> audio_;
};

}  // namespace

kj::Own<ServerBase> NewAudioServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                   Rights rights) {
  return kj::heap<AudioServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
