// The server of an exported channel endpoint (Channel in object_rpc.capnp).
//
// Writes are queued in arrival order and written as the peer's queue has
// room, so a holder's writes are never refused with kShouldWait and never
// reordered. An attachment drains the endpoint into the holder's sink as fast
// as the sink's stream window allows (StreamDrain), so reads on the holder's
// node are local.
#include <deque>

#include "kernel/object/channel.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/stream_drain.h"
#include "kernel/remote/subscription.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

// One holder's attachment: its sink and the drain that feeds it. Owned by
// the attachment's subscription; loop thread.
struct Attachment {
  proto::rpc::ChannelSink::Client sink;
  std::shared_ptr<StreamDrain> drain;
};

// The next message of `channel` as a delivery to the attachment's sink; a
// closed peer as the last call (peerClosed), after which the drain ends.
kj::Maybe<kj::Promise<void>> Deliver(const std::shared_ptr<Link>& link, ChannelOps& channel,
                                     Attachment& attachment, StreamDrain& drain) {
  Result<Message> message = channel.Read(ReadLimits{});
  if (!message.ok()) {
    if (message.error().status == Status::kShouldWait) return nullptr;
    drain.End();  // Nothing more will come.
    if (message.error().status != Status::kPeerClosed) return nullptr;
    return attachment.sink.peerClosedRequest().send().ignoreResult();
  }
  auto request = attachment.sink.deliverRequest();
  auto out = request.initMessage();
  out.setBytes(kj::arrayPtr(message->bytes.data(), message->bytes.size()));
  auto handles = out.initHandles(uint32_t(message->handles.size()));
  for (uint32_t i = 0; i < message->handles.size(); ++i) {
    // Every type the channel accepts can be exported (CanCrossNodes).
    (void)ExportHandle(link, message->handles[i], handles[i]);
  }
  return request.send();
}

class ChannelServer final : public proto::rpc::Channel::Server, public ServerBase {
 public:
  ChannelServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : ServerBase(std::move(link), std::move(object), rights),
        channel_(std::static_pointer_cast<ChannelOps>(this->object())) {}
  ~ChannelServer() {
    if (token_ != 0) channel_->CancelObserver(token_);
  }

  kj::Promise<void> write(WriteContext context) override {
    VoidResult allowed = Require(Rights::kWrite);
    if (!allowed.ok()) {
      SetOutcome(context.getResults().initOutcome(), allowed);
      return kj::READY_NOW;
    }
    auto message = context.getParams().getMessage();
    auto bytes = message.getBytes();
    if (bytes.size() > ChannelOps::kMaxMessageBytes ||
        message.getHandles().size() > ChannelOps::kMaxMessageHandles) {
      SetOutcome(context.getResults().initOutcome(),
                 MakeError(Status::kInvalidArgs, "message exceeds the channel limits"));
      return kj::READY_NOW;
    }
    auto answered = kj::newPromiseAndFulfiller<void>();
    pending_.push_back(Pending{std::vector<uint8_t>(bytes.begin(), bytes.end()), std::nullopt,
                               context, kj::mv(answered.fulfiller)});
    Pending* mine = &pending_.back();  // std::deque keeps addresses on push/pop at the ends.
    auto imported = ImportHandles(link(), message.getHandles());
    std::weak_ptr<bool> alive = alive_;
    loop()->Detach(imported.then([this, mine, alive](Result<std::vector<HandleEntry>> handles) {
      if (alive.expired()) return;  // The holder dropped the capability meanwhile.
      mine->handles = std::move(handles);
      Flush();
    }),
                   "channel write");
    return kj::mv(answered.promise);
  }

  kj::Promise<void> attach(AttachContext context) override {
    VoidResult allowed = Require(Rights::kRead);
    if (!allowed.ok()) {
      SetOutcome(context.getResults().initOutcome(), allowed);
      return kj::READY_NOW;
    }
    auto attachment = LoopShared(loop(), new Attachment{context.getParams().getSink(), nullptr});
    std::weak_ptr<Attachment> weak = attachment;  // It owns the drain.
    attachment->drain =
        StreamDrain::Start(loop(), channel_, Signals::kReadable | Signals::kPeerClosed,
                           [link = link(), channel = channel_,
                            weak](StreamDrain& drain) -> kj::Maybe<kj::Promise<void>> {
                             std::shared_ptr<Attachment> attachment = weak.lock();
                             if (attachment == nullptr) return nullptr;
                             return Deliver(link, *channel, *attachment, drain);
                           });
    context.getResults().setSubscription(HoldUntilDropped(std::move(attachment)));
    return kj::READY_NOW;
  }

 private:
  struct Pending {
    std::vector<uint8_t> bytes;
    std::optional<Result<std::vector<HandleEntry>>> handles;  // Set once imported.
    WriteContext context;
    kj::Own<kj::PromiseFulfiller<void>> answered;
  };

  // Writes the queued messages in order while the peer has room.
  void Flush() {
    while (!pending_.empty() && pending_.front().handles.has_value()) {
      Pending& head = pending_.front();
      VoidResult written =
          head.handles->ok() ? VoidResult(Ok()) : VoidResult(head.handles->error());
      if (written.ok()) {
        written = channel_->Write(head.bytes, head.handles->value());  // Copies the entries.
        if (!written.ok() && written.error().status == Status::kShouldWait) {
          return WaitForRoom();
        }
      }
      SetOutcome(head.context.getResults().initOutcome(), written);
      head.answered->fulfill();
      pending_.pop_front();
    }
    RefreshWatchers();
  }

  void WaitForRoom() {
    if (token_ != 0) return;
    std::weak_ptr<Loop> loop = this->loop();
    // capnp owns the server: the posted flush runs only while `alive_` does.
    std::weak_ptr<bool> alive = alive_;
    auto token = channel_->ObserveAsync(Signals::kWritable | Signals::kPeerClosed,
                                        [this, loop, alive](Signals) {
                                          if (auto l = loop.lock()) {
                                            (void)l->Post([this, alive] {
                                              if (alive.expired()) return;
                                              token_ = 0;
                                              Flush();
                                            });
                                          }
                                        });
    if (token.ok()) token_ = *token;
  }

  const Ref<ChannelOps> channel_;
  std::deque<Pending> pending_;
  ObserverToken token_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

kj::Own<ServerBase> NewChannelServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                     Rights rights) {
  return kj::heap<ChannelServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
