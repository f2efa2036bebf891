// A channel endpoint on another node (Channel in object_rpc.capnp).
//
// The proxy attaches a sink when it is first read or waited on, so the
// remote endpoint's messages flow here as they arrive and Read is local; the
// sink accepts a message only while the local inbox has room, which backs
// the flow up to the remote queue. Attaching only once used matters when a
// process moves: the proxy made for it on the destination takes no message
// before the process runs there, so a move that fails loses none.
//
// The inbox holds messages the remote endpoint no longer has, so a handle
// to this proxy that leaves the node (a process moving on, or the handle
// sent in a message) is served from here, proxy and inbox included
// (ServesItselfOnExport): the messages reach the new holder in order, and
// this node forwards for as long as the new holder keeps it. A proxy never
// used passes its capability on instead. Writes go out in order with at most kWriteWindow
// unanswered; past that, Write answers kShouldWait and kWritable clears until answers come back, so
// a writer parks instead of queueing without bound.
#include <kj/debug.h>

#include <deque>
#include <mutex>

#include "kernel/object/channel.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

constexpr size_t kWriteWindow = 64;

class ChannelProxy final : public FetchesOnUse<ChannelOps>, public RemoteObject {
 public:
  ChannelProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : FetchesOnUse(ObjectType::kChannel), RemoteObject(std::move(link), kj::mv(capability)) {}

  // Loop thread, once owned: listens for the link.
  void Start(const std::shared_ptr<ChannelProxy>& self);

  // Once attached, the sink fetches the end's messages ahead into the
  // inbox; passing the capability on would leave them (and any on their
  // way) behind. Before, it passes on as it is (and comes home unwrapped).
  bool ServesItselfOnExport() const override {
    MutexLock lock(&mu_);
    return attaching_;
  }

  VoidResult Write(std::span<const uint8_t> bytes, std::vector<HandleEntry> handles) override;
  Result<Message> Read(ReadLimits limits) override;

  // From the sink (loop thread).
  void Deliver(Message message);
  void PeerClosed();
  void LinkGone();
  // True while the inbox has room; else `room` runs (on the loop) once it has.
  bool HasRoom(std::function<void()> room);

 private:
  // The holder reads or waits: attaches the sink, once.
  void Demand() override;
  // Loop thread.
  void Attach();
  void WriteAnswered(VoidResult outcome);
  // The signals the state implies.
  void UpdateLocked(Notifications& fired) REQUIRES(mu_);

  mutable Mutex mu_;
  std::deque<Message> inbox_ GUARDED_BY(mu_);
  bool peer_closed_ GUARDED_BY(mu_) = false;
  bool gone_ GUARDED_BY(mu_) = false;
  bool attaching_ GUARDED_BY(mu_) = false;  // Demand posted the attach.
  size_t in_flight_ GUARDED_BY(mu_) = 0;
  std::function<void()> room_ GUARDED_BY(mu_);  // A delivery waiting for room.
};

// Receives the remote endpoint's messages, in order.
class Sink final : public proto::rpc::ChannelSink::Server {
 public:
  Sink(std::shared_ptr<Link> link, std::weak_ptr<ChannelProxy> proxy)
      : link_(std::move(link)), proxy_(std::move(proxy)) {}

  kj::Promise<void> deliver(DeliverContext context) override {
    // Imports may finish out of order; chaining keeps the messages in order.
    auto mine =
        tail_.addBranch()
            .then([this, context]() mutable {
              return ImportHandles(link_, context.getParams().getMessage().getHandles());
            })
            .then([this,
                   context](Result<std::vector<HandleEntry>> handles) mutable -> kj::Promise<void> {
              auto proxy = proxy_.lock();
              if (proxy == nullptr) return kj::READY_NOW;
              if (!handles.ok()) {
                // A peer that sends malformed handles breaks the protocol.
                return KJ_EXCEPTION(FAILED, "malformed handles in a channel message",
                                    handles.error().message);
              }
              auto bytes = context.getParams().getMessage().getBytes();
              proxy->Deliver(Message{std::vector<uint8_t>(bytes.begin(), bytes.end()),
                                     std::move(handles).value()});
              return WaitForRoom(proxy);
            })
            .fork();
    tail_ = mine.addBranch().fork();
    return mine.addBranch();
  }

  kj::Promise<void> peerClosed(PeerClosedContext context) override {
    return tail_.addBranch().then([this] {
      if (auto proxy = proxy_.lock()) proxy->PeerClosed();
    });
  }

 private:
  kj::Promise<void> WaitForRoom(const std::shared_ptr<ChannelProxy>& proxy) {
    auto room = kj::newPromiseAndFulfiller<void>();
    // Held by a callback that may be dropped on a worker: destroyed on the loop.
    auto fulfiller =
        LoopShared(link_->loop(), new kj::Own<kj::PromiseFulfiller<void>>(kj::mv(room.fulfiller)));
    if (proxy->HasRoom([fulfiller] { (*fulfiller)->fulfill(); })) return kj::READY_NOW;
    return kj::mv(room.promise);
  }

  const std::shared_ptr<Link> link_;
  const std::weak_ptr<ChannelProxy> proxy_;
  kj::ForkedPromise<void> tail_ = kj::Promise<void>(kj::READY_NOW).fork();
};

void ChannelProxy::Start(const std::shared_ptr<ChannelProxy>& self) {
  std::weak_ptr<ChannelProxy> weak = self;
  link()->OnGone([weak] {
    if (auto proxy = weak.lock()) proxy->LinkGone();
  });
  Notifications fired;
  MutexLock lock(&mu_);
  UpdateLocked(fired);
}

void ChannelProxy::Demand() {
  {
    MutexLock lock(&mu_);
    if (attaching_) return;
    attaching_ = true;
  }
  std::weak_ptr<ChannelProxy> weak = std::static_pointer_cast<ChannelProxy>(shared_from_this());
  // A gone link fails the reads instead (LinkGone).
  (void)OnLoop<proto::rpc::Channel>([weak](auto) {
    if (auto proxy = weak.lock()) proxy->Attach();
  });
}

void ChannelProxy::Attach() {
  std::weak_ptr<ChannelProxy> weak = std::static_pointer_cast<ChannelProxy>(shared_from_this());
  auto request = capability().castAs<proto::rpc::Channel>().attachRequest();
  request.setSink(kj::heap<Sink>(link(), weak));
  auto attached = request.send().then(
      [weak](auto&& response) {
        auto proxy = weak.lock();
        if (proxy == nullptr) return;
        if (!ReadOutcome(response.getOutcome()).ok()) return;  // No kRead: write-only.
        proxy->Hold(response.getSubscription());
      },
      [](kj::Exception&&) {});
  link()->loop()->Detach(kj::mv(attached), "channel attach");
}

void ChannelProxy::UpdateLocked(Notifications& fired) {
  Signals set = Signals::kNone;
  if (!inbox_.empty()) set |= Signals::kReadable;
  if (peer_closed_ || gone_) {
    set |= Signals::kPeerClosed;
  } else if (in_flight_ < kWriteWindow) {
    set |= Signals::kWritable;
  }
  UpdateSignals(Signals::kAll, set, fired);
}

VoidResult ChannelProxy::Write(std::span<const uint8_t> bytes, std::vector<HandleEntry> handles) {
  if (bytes.size() > kMaxMessageBytes || handles.size() > kMaxMessageHandles) {
    return MakeError(Status::kInvalidArgs, "message exceeds the channel limits");
  }
  for (const HandleEntry& h : handles) {
    if (h.object.get() == this) {
      return MakeError(Status::kInvalidArgs, "a channel endpoint cannot be sent through itself");
    }
  }
  {
    Notifications fired;
    MutexLock lock(&mu_);
    if (gone_) return link()->GoneError();
    if (peer_closed_) return MakeError(Status::kPeerClosed, "the channel's peer is closed");
    if (in_flight_ >= kWriteWindow) {
      return MakeError(Status::kShouldWait, "the channel's write window is full");
    }
    ++in_flight_;
    UpdateLocked(fired);
  }
  std::weak_ptr<ChannelProxy> weak = std::static_pointer_cast<ChannelProxy>(shared_from_this());
  std::shared_ptr<Link> link = this->link();
  VoidResult started = OnLoop<proto::rpc::Channel>(
      [weak, link, bytes = std::vector<uint8_t>(bytes.begin(), bytes.end()),
       handles = std::move(handles)](proto::rpc::Channel::Client channel) {
        auto request = channel.writeRequest();
        auto message = request.initMessage();
        message.setBytes(kj::arrayPtr(bytes.data(), bytes.size()));
        auto refs = message.initHandles(uint32_t(handles.size()));
        for (uint32_t i = 0; i < handles.size(); ++i) {
          VoidResult exported = ExportHandle(link, handles[i], refs[i]);
          if (!exported.ok()) {
            if (auto proxy = weak.lock()) proxy->WriteAnswered(exported);
            return;
          }
        }
        link->loop()->Detach(request.send().then(
                                 [weak](auto&& response) {
                                   if (auto proxy = weak.lock()) {
                                     proxy->WriteAnswered(ReadOutcome(response.getOutcome()));
                                   }
                                 },
                                 [weak, link](kj::Exception&& e) {
                                   if (auto proxy = weak.lock()) {
                                     proxy->WriteAnswered(FromException(e, link->peer()));
                                   }
                                 }),
                             "channel write");
      });
  if (!started.ok()) {
    WriteAnswered(started);
    return started.error();
  }
  return Ok();
}

void ChannelProxy::WriteAnswered(VoidResult outcome) {
  Notifications fired;
  MutexLock lock(&mu_);
  --in_flight_;
  // A write the peer refused is lost, as a message written just before a
  // local peer closes is; the state it reveals is kept.
  if (!outcome.ok() && outcome.error().status == Status::kPeerClosed) peer_closed_ = true;
  UpdateLocked(fired);
}

Result<Message> ChannelProxy::Read(ReadLimits limits) {
  Demand();
  std::function<void()> room;
  Result<Message> out = MakeError(Status::kShouldWait, "the channel is empty");
  {
    Notifications fired;
    MutexLock lock(&mu_);
    if (inbox_.empty()) {
      if (gone_) return link()->GoneError();
      if (peer_closed_) return MakeError(Status::kPeerClosed, "the channel's peer is closed");
      return out;
    }
    const Message& head = inbox_.front();
    if (head.bytes.size() > limits.max_bytes || head.handles.size() > limits.max_handles) {
      return MakeError(Status::kOutOfBounds, "the message exceeds the read limits");
    }
    out = std::move(inbox_.front());
    inbox_.pop_front();
    room = std::move(room_);
    room_ = nullptr;
    UpdateLocked(fired);
  }
  if (room) (void)link()->loop()->Post(std::move(room));
  return out;
}

void ChannelProxy::Deliver(Message message) {
  Notifications fired;
  MutexLock lock(&mu_);
  inbox_.push_back(std::move(message));
  UpdateLocked(fired);
}

bool ChannelProxy::HasRoom(std::function<void()> room) {
  MutexLock lock(&mu_);
  if (inbox_.size() < kMaxQueuedMessages) return true;
  room_ = std::move(room);
  return false;
}

void ChannelProxy::PeerClosed() {
  Notifications fired;
  MutexLock lock(&mu_);
  peer_closed_ = true;
  UpdateLocked(fired);
}

void ChannelProxy::LinkGone() {
  Notifications fired;
  MutexLock lock(&mu_);
  gone_ = true;
  UpdateLocked(fired);
}

}  // namespace

Ref<KernelObject> NewChannelProxy(const std::shared_ptr<Link>& link,
                                  proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<ChannelProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

}  // namespace shoal::kernel::remote
