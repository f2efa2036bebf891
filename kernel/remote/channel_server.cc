// The server of an exported channel endpoint (Channel in object_rpc.capnp).
//
// Writes are queued in arrival order and written as the peer's queue has
// room, so a holder's writes are never refused with kShouldWait and never
// reordered. An attachment drains the endpoint into the holder's sink as fast
// as the sink's stream window allows, so reads on the holder's node are
// local.
#include <deque>

#include "kernel/object/channel.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/subscription.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

// Moves the endpoint's messages to one sink. Loop thread; owned by the
// attachment's subscription.
class Drain : public std::enable_shared_from_this<Drain> {
 public:
  Drain(std::shared_ptr<Link> link, Ref<ChannelOps> channel, proto::rpc::ChannelSink::Client sink)
      : link_(std::move(link)), channel_(std::move(channel)), sink_(kj::mv(sink)) {}
  ~Drain() {
    if (token_ != 0) channel_->CancelObserver(token_);
  }

  // Delivers what is queued, then waits for more.
  void Next() {
    while (!busy_ && !ended_) {
      Result<Message> message = channel_->Read(ReadLimits{});
      if (!message.ok()) {
        if (message.error().status == Status::kShouldWait) return WaitForMessages();
        ended_ = true;
        if (message.error().status == Status::kPeerClosed) {
          link_->loop()->Detach(sink_.peerClosedRequest().send().ignoreResult(), "peer closed");
        }
        return;
      }
      auto request = sink_.deliverRequest();
      auto out = request.initMessage();
      out.setBytes(kj::arrayPtr(message->bytes.data(), message->bytes.size()));
      auto handles = out.initHandles(uint32_t(message->handles.size()));
      for (uint32_t i = 0; i < message->handles.size(); ++i) {
        // Every type the channel accepts can be exported (CanCrossNodes).
        (void)ExportHandle(link_, message->handles[i], handles[i]);
      }
      busy_ = true;
      std::weak_ptr<Drain> weak = weak_from_this();
      link_->loop()->Detach(request.send().then(
                                [weak] {
                                  if (auto drain = weak.lock()) {
                                    drain->busy_ = false;
                                    drain->Next();
                                  }
                                },
                                [weak](kj::Exception&&) {
                                  if (auto drain = weak.lock()) drain->ended_ = true;
                                }),
                            "channel delivery");
    }
  }

 private:
  void WaitForMessages() {
    if (token_ != 0) return;
    std::weak_ptr<Drain> weak = weak_from_this();
    std::weak_ptr<Loop> loop = link_->loop();
    auto token =
        channel_->ObserveAsync(Signals::kReadable | Signals::kPeerClosed, [weak, loop](Signals) {
          if (auto l = loop.lock()) {
            (void)l->Post([weak] {
              if (auto drain = weak.lock()) {
                drain->token_ = 0;
                drain->Next();
              }
            });
          }
        });
    if (token.ok()) token_ = *token;
  }

  const std::shared_ptr<Link> link_;
  const Ref<ChannelOps> channel_;
  proto::rpc::ChannelSink::Client sink_;
  ObserverToken token_ = 0;
  bool busy_ = false;   // A delivery waits for the sink's window.
  bool ended_ = false;  // The peer closed or the sink failed.
};

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
    auto drain = LoopShared(loop(), new Drain(link(), channel_, context.getParams().getSink()));
    drain->Next();
    context.getResults().setSubscription(HoldUntilDropped(std::move(drain)));
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
