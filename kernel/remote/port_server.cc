// The server of an exported port (Port in object_rpc.capnp).
//
// Calls take effect one at a time in arrival order: waitAsync must first
// import its object, which may take a turn of the loop, and a cancel or queue
// behind it must find its registration. An attachment drains the port into
// the holder's sink as fast as the sink's stream window allows, so a Wait on
// the holder's node is local; a cancel sends each sink of this capability a
// `cancelled` marker behind the packets already drained, so its holder drops
// those the cancel covers. (Another capability's holder may still receive a
// signal packet that was on its way when the cancel came, as a local waiter
// may dequeue one just before a Cancel.)
//
// waitAsync on another node's object observes an ObservedProxy of it. The
// port holds the objects it watches only weakly, so this server keeps the
// proxy until the registration fires, is cancelled through this capability,
// or the capability goes; unlike a local registration, it keeps the remote
// object alive meanwhile.
#include <vector>

#include "kernel/object/port.h"
#include "kernel/remote/flow.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/observed_proxy.h"
#include "kernel/remote/op_server.h"
#include "kernel/remote/port_packet.h"
#include "kernel/remote/stream_drain.h"
#include "kernel/remote/subscription.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

// One holder's attachment: its sink and the drain that feeds it. Owned by
// the attachment's subscription; loop thread.
struct Attachment {
  proto::rpc::PortSink::Client sink;
  std::shared_ptr<StreamDrain> drain;

  // Tells the sink that signal packets with `key` delivered so far were
  // cancelled; nothing the drain takes from the port later is.
  void Cancelled(const std::shared_ptr<Loop>& loop, uint64_t key) {
    if (drain->ended()) return;
    auto request = sink.cancelledRequest();
    request.setKey(key);
    loop->Detach(request.send(), "port cancel marker");
  }
};

// What waitAsync observes: the object, and whether it is another node's.
struct Observed {
  Ref<KernelObject> object;
  bool remote = false;
};

class PortServer final : public proto::rpc::Port::Server, public OpServer {
 public:
  PortServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : OpServer(std::move(link), std::move(object), rights),
        port_(std::static_pointer_cast<PortOps>(this->object())) {}
  ~PortServer() {
    for (const Kept& kept : kept_) kept.object->CancelObserver(kept.token);
  }

  kj::Promise<void> waitAsync(WaitAsyncContext context) override {
    return turns_.Then([this, context]() mutable -> kj::Promise<void> {
      auto params = context.getParams();
      VoidResult allowed = Require(Rights::kWrite);
      if (allowed.ok() && !params.hasObject()) {
        allowed = MakeError(Status::kInvalidArgs, "no object to wait on");
      }
      if (!allowed.ok()) {
        SetOutcome(context.getResults().initOutcome(), allowed);
        return kj::READY_NOW;
      }
      Signals signals = Signals(params.getSignals()) & Signals::kAll;
      uint64_t key = params.getKey();
      return Import(params.getObject())
          .then([this, context, signals, key](Result<Observed> observed) mutable {
            VoidResult outcome =
                observed.ok() ? Register(*observed, signals, key) : VoidResult(observed.error());
            RefreshWatchers();
            SetOutcome(context.getResults().initOutcome(), outcome);
          });
    });
  }

  kj::Promise<void> cancel(CancelContext context) override {
    return turns_.Then([this, context]() mutable {
      uint64_t key = context.getParams().getKey();
      return Perform(context, Rights::kWrite, [&] {
        VoidResult cancelled = port_->Cancel(key);
        Release(key);
        std::erase_if(attachments_, [](const auto& a) { return a.expired(); });
        for (const std::weak_ptr<Attachment>& weak : attachments_) {
          if (auto attachment = weak.lock()) attachment->Cancelled(loop(), key);
        }
        return cancelled;
      });
    });
  }

  kj::Promise<void> queue(QueueContext context) override {
    return turns_.Then([this, context]() mutable {
      return Perform(context, Rights::kWrite, [&]() -> VoidResult {
        return port_->Queue(TRY(ReadPacket(context.getParams().getPacket())));
      });
    });
  }

  kj::Promise<void> attach(AttachContext context) override {
    VoidResult allowed = Require(Rights::kRead);
    if (!allowed.ok()) {
      SetOutcome(context.getResults().initOutcome(), allowed);
      return kj::READY_NOW;
    }
    auto attachment = LoopShared(loop(), new Attachment{context.getParams().getSink(), nullptr});
    Ref<PortOps> port = port_;
    std::weak_ptr<Attachment> weak = attachment;  // It owns the drain.
    attachment->drain =
        StreamDrain::Start(loop(), port_, Signals::kReadable,
                           [port, weak](StreamDrain&) -> kj::Maybe<kj::Promise<void>> {
                             std::shared_ptr<Attachment> attachment = weak.lock();
                             if (attachment == nullptr) return nullptr;
                             Result<Packet> packet = port->Wait();
                             if (!packet.ok()) return nullptr;  // Empty: kShouldWait.
                             auto request = attachment->sink.deliverRequest();
                             WritePacket(*packet, request.initPacket());
                             return request.send();
                           });
    attachments_.push_back(attachment);
    context.getResults().setSubscription(HoldUntilDropped(std::move(attachment)));
    return kj::READY_NOW;
  }

 private:
  // An observed proxy kept for a registration of the port.
  struct Kept {
    uint64_t id;
    uint64_t key;
    Ref<KernelObject> object;
    ObserverToken token;  // Fires with the port's registration.
  };

  // The object `capability` names: one of this node's (it needs kWait), or
  // an ObservedProxy of another node's.
  kj::Promise<Result<Observed>> Import(proto::rpc::Object::Client capability) {
    std::shared_ptr<Link> link = this->link();
    return FindHomeObject(link, capability)
        .then([link,
               capability](Result<std::optional<HandleEntry>> home) mutable -> Result<Observed> {
          if (!home.ok()) return std::move(home).error();
          if (!home->has_value()) {
            return Observed{NewObservedProxy(link, kj::mv(capability)), true};
          }
          if (!Contains((*home)->rights, Rights::kWait)) {
            return MakeError(Status::kAccessDenied, "the observed handle lacks kWait");
          }
          return Observed{(*home)->object, false};
        });
  }

  VoidResult Register(const Observed& observed, Signals signals, uint64_t key) {
    if (observed.remote && kept_.size() >= PortOps::kMaxPackets) {
      return MakeError(Status::kShouldWait, "port is at capacity");
    }
    TRY(port_->WaitAsync(observed.object, signals, key));
    if (observed.remote) Keep(observed.object, signals, key);
    return Ok();
  }

  // Keeps `object` until `signals` fire on it (as the port's registration
  // does) or Release(key).
  void Keep(const Ref<KernelObject>& object, Signals signals, uint64_t key) {
    uint64_t id = next_kept_++;
    std::weak_ptr<bool> alive = alive_;
    Result<ObserverToken> token = ObserveOnLoop(*object, signals, loop(), [this, alive, id] {
      if (alive.expired()) return;  // capnp destroyed the server meanwhile.
      std::erase_if(kept_, [id](const Kept& kept) { return kept.id == id; });
    });
    // Without an observer (kNoMemory), the port's registration has none
    // either: nothing to keep.
    if (token.ok()) kept_.push_back(Kept{id, key, object, *token});
  }

  void Release(uint64_t key) {
    std::erase_if(kept_, [key](const Kept& kept) {
      if (kept.key != key) return false;
      kept.object->CancelObserver(kept.token);
      return true;
    });
  }

  const Ref<PortOps> port_;
  Sequence turns_;
  std::vector<std::weak_ptr<Attachment>> attachments_;
  std::vector<Kept> kept_;
  uint64_t next_kept_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

kj::Own<ServerBase> NewPortServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                  Rights rights) {
  return kj::heap<PortServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
