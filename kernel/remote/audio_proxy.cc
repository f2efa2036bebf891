// An audio session on another node (Audio in object_rpc.capnp).
//
// Every operation is one call to the session on the device's node: the ring
// that paces the stream stays the device's own, so the wire adds one round
// trip per period and no buffering of its own (object_rpc.capnp says why).
// kShouldWait is an answer like any other: the writer (reader) then parks on
// kWritable (kReadable), which the watch mirrors from the session
// (MirroredProxy). A gone link sets kPeerClosed and fails calls with
// kPeerGone; an unplugged device answers kPeerClosed from its node.
//
// A process moved off the device's node keeps its session, started or not:
// the proxy made at import calls the same session, so the stream continues
// where its ring is, and the underruns (overruns) of the move are in the
// session's xruns, which Status reports.
#include "kernel/remote/audio_proxy.h"

#include <atomic>

#include "kernel/remote/audio_wire.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

using rdev::AudioDirection;
using rdev::AudioOps;

class AudioProxy final : public MirroredProxy<AudioOps> {
 public:
  AudioProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : MirroredProxy(std::move(link), kj::mv(capability)),
        known_(LoopShared(this->link()->loop(), new Known(kj::newPromiseAndFulfiller<void>()))) {}

  // Loop thread, once owned: the watch, the link's end, the direction.
  void Start(const std::shared_ptr<AudioProxy>& self) {
    MirroredProxy::Start(self);
    std::weak_ptr<AudioProxy> weak = self;
    std::shared_ptr<Known> known = known_;
    auto asked = capability().castAs<proto::rpc::Audio>().infoRequest().send().then(
        [weak, known](auto&& response) {
          auto proxy = weak.lock();
          if (proxy != nullptr && ReadOutcome(response.getOutcome()).ok()) {
            uint8_t direction = response.getInfo().getDirection();
            if (direction == uint8_t(AudioDirection::kCapture)) {
              proxy->direction_.store(AudioDirection::kCapture);
            }
          }
          known->fulfiller->fulfill();
        },
        [known](kj::Exception&&) { known->fulfiller->fulfill(); });
    link()->loop()->Detach(kj::mv(asked), "audio info");
  }

  // Loop thread.
  kj::Promise<void> WhenKnown() { return known_->promise.addBranch(); }

  AudioDirection direction() const override { return direction_.load(); }

  void InfoAsync(InfoDone done) override {
    Call<proto::rpc::Audio, Result<rdev::AudioInfo>>(
        [](proto::rpc::Audio::Client audio) { return audio.infoRequest(); },
        [](auto& response) -> Result<rdev::AudioInfo> {
          TRY(ReadOutcome(response.getOutcome()));
          return ReadAudioInfo(response.getInfo());
        },
        std::move(done));
  }

  void StatusAsync(StatusDone done) override {
    Call<proto::rpc::Audio, Result<rdev::AudioStatus>>(
        [](proto::rpc::Audio::Client audio) { return audio.statusRequest(); },
        [](auto& response) -> Result<rdev::AudioStatus> {
          TRY(ReadOutcome(response.getOutcome()));
          return ReadAudioStatus(response.getStatus());
        },
        std::move(done));
  }

  void ConfigureAsync(const rdev::AudioConfig& config, Done done) override {
    Call<proto::rpc::Audio, VoidResult>(
        [config](proto::rpc::Audio::Client audio) {
          auto request = audio.configureRequest();
          WriteAudioConfig(config, request.initConfig());
          return request;
        },
        [](auto& response) { return ReadOutcome(response.getOutcome()); }, std::move(done));
  }

  void StartAsync(Done done) override {
    Call<proto::rpc::Audio, VoidResult>(
        [](proto::rpc::Audio::Client audio) { return audio.startRequest(); },
        [](auto& response) { return ReadOutcome(response.getOutcome()); }, std::move(done));
  }

  void StopAsync(Done done) override {
    Call<proto::rpc::Audio, VoidResult>(
        [](proto::rpc::Audio::Client audio) { return audio.stopRequest(); },
        [](auto& response) { return ReadOutcome(response.getOutcome()); }, std::move(done));
  }

  void DrainAsync(Done done) override {
    Call<proto::rpc::Audio, VoidResult>(
        [](proto::rpc::Audio::Client audio) { return audio.drainRequest(); },
        [](auto& response) { return ReadOutcome(response.getOutcome()); }, std::move(done));
  }

  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override {
    if (bytes.size() > kMaxTransfer) {
      return done(MakeError(Status::kInvalidArgs, "an audio write moves at most 64 KiB"));
    }
    auto copy = std::make_shared<std::vector<uint8_t>>(bytes.begin(), bytes.end());
    Call<proto::rpc::Audio, Result<size_t>>(
        [copy](proto::rpc::Audio::Client audio) {
          auto request = audio.writeRequest();
          request.setBytes(kj::arrayPtr(copy->data(), copy->size()));
          return request;
        },
        [](auto& response) -> Result<size_t> {
          TRY(ReadOutcome(response.getOutcome()));
          return size_t(response.getFrames());
        },
        std::move(done));
  }

  void ReadAsync(size_t max_bytes, ReadDone done) override {
    uint64_t wanted = max_bytes > kMaxTransfer ? kMaxTransfer : max_bytes;
    Call<proto::rpc::Audio, Result<rdev::AudioRead>>(
        [wanted](proto::rpc::Audio::Client audio) {
          auto request = audio.readRequest();
          request.setMaxBytes(wanted);
          return request;
        },
        [](auto& response) -> Result<rdev::AudioRead> {
          TRY(ReadOutcome(response.getOutcome()));
          auto bytes = response.getBytes();
          return rdev::AudioRead{std::vector<uint8_t>(bytes.begin(), bytes.end()),
                                 response.getLost()};
        },
        std::move(done));
  }

 private:
  // Fulfilled once the first info answer is in, or failed. Loop thread.
  struct Known {
    explicit Known(kj::PromiseFulfillerPair<void> paf)
        : promise(paf.promise.fork()), fulfiller(kj::mv(paf.fulfiller)) {}
    kj::ForkedPromise<void> promise;
    kj::Own<kj::PromiseFulfiller<void>> fulfiller;
  };

  // A sink until the info says otherwise.
  std::atomic<AudioDirection> direction_{AudioDirection::kPlayback};
  const std::shared_ptr<Known> known_;  // Loop thread only.
};

}  // namespace

Ref<KernelObject> NewAudioProxy(const std::shared_ptr<Link>& link,
                                proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<AudioProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

kj::Promise<void> WhenAudioProxyKnown(KernelObject& proxy) {
  auto* audio = dynamic_cast<AudioProxy*>(&proxy);
  if (audio == nullptr) return kj::READY_NOW;
  return audio->WhenKnown().catch_([](kj::Exception&&) {});
}

}  // namespace shoal::kernel::remote
