// A port on another node (Port in object_rpc.capnp).
//
// The proxy attaches a sink once it is used (FetchesOnUse: a Wait, a wait on
// its signals, a look at them), so the remote port's packets flow into a
// local queue as they arrive and Wait is local; the sink takes a
// packet only while the queue is below PortOps::kMaxPackets, which backs the
// flow up into the remote port (whose own Queue then reports kShouldWait).
// kReadable mirrors the local queue. Without kRead there is no attachment
// and Wait finds nothing, as the handle's own check refuses it anyway.
//
// WaitAsync, Cancel and Queue are posted: Ok at once, or kPeerGone when the
// link is gone, or kShouldWait when the packets queued here and the calls
// still out reach the port's capacity. The errors the port would report
// later are lost:
//   - kShouldWait, when the remote port is full of packets and registrations
//     made elsewhere: the packet or registration is dropped, as a caller that
//     drops a packet on kShouldWait would;
//   - kNotFound from Cancel, for a key with nothing to cancel;
//   - kAccessDenied, when the observed handle came home without kWait, and
//     kNotSupported, for an object that cannot cross nodes: no packet comes.
// A WaitAsync on this node's object exports it (with kWait only) to the
// port's node, which watches its signals there.
//
// Cancel drops the queued signal packets with its key at once, and those on
// their way, until the server's `cancelled` marker for the key arrives
// behind them.
//
// When the link goes, kReadable|kPeerClosed are set so that waiters wake:
// packets already here are still read, then Wait reports kPeerGone.
//
// An attached proxy holds packets the port no longer has, so its handle
// leaves the node served from here (ServesItselfOnExport), as a channel
// proxy's does (channel_proxy.cc).
#include <kj/debug.h>

#include <deque>
#include <map>

#include "kernel/object/port.h"
#include "kernel/remote/flow.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/port_packet.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class PortProxy final : public FetchesOnUse<PortOps>, public RemoteObject {
 public:
  PortProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : FetchesOnUse(ObjectType::kPort), RemoteObject(std::move(link), kj::mv(capability)) {}

  // Loop thread, once owned: listens for the link.
  void Start(const std::shared_ptr<PortProxy>& self);

  bool ServesItselfOnExport() const override {
    MutexLock lock(&mu_);
    return attached_;
  }

  VoidResult WaitAsync(Ref<KernelObject> object, Signals signals, uint64_t key) override;
  VoidResult Cancel(uint64_t key) override;
  VoidResult Queue(const Packet& packet) override;
  Result<Packet> Wait() override;

  // From the sink, in the server's order (loop thread).
  bool HasRoom(std::function<void()> room);
  void Deliver(const Packet& packet);
  void Cancelled(uint64_t key);
  // The server refused the attachment: no packets, no markers.
  void Refused();
  void LinkGone();

 private:
  // kPeerGone when the link is gone; kShouldWait when the port looks full
  // from here.
  VoidResult CheckCapacity();
  // Posts `send(port)` and counts it as out until it is answered.
  VoidResult Post(std::function<kj::Promise<void>(proto::rpc::Port::Client)> send);
  void Answered();
  // Drops the queued signal packets with `key`; returns a delivery waiting
  // for the room that made, if any.
  std::function<void()> PurgeLocked(uint64_t key) REQUIRES(mu_);
  std::function<void()> TakeRoomLocked() REQUIRES(mu_);
  void UpdateLocked(Notifications& fired) REQUIRES(mu_);
  void Wake(std::function<void()> room);
  // Attaches the sink, once (FetchesOnUse).
  void Demand() override;
  void Attach();  // Loop thread.

  mutable Mutex mu_;
  std::deque<Packet> inbox_ GUARDED_BY(mu_);
  // Keys this proxy cancelled whose marker has not come: count per key.
  std::map<uint64_t, size_t> cancelling_ GUARDED_BY(mu_);
  size_t out_ GUARDED_BY(mu_) = 0;  // Posted calls not yet answered.
  // Attaching or attached: cancels made since expect the server's marker.
  bool attached_ GUARDED_BY(mu_) = false;
  bool refused_ GUARDED_BY(mu_) = false;  // No kRead: never attaches.
  bool gone_ GUARDED_BY(mu_) = false;
  std::function<void()> room_ GUARDED_BY(mu_);  // A delivery waiting for room.
};

// Receives the remote port's packets and cancel markers, in order.
class Sink final : public proto::rpc::PortSink::Server {
 public:
  Sink(std::shared_ptr<Loop> loop, std::weak_ptr<PortProxy> proxy)
      : loop_(std::move(loop)), proxy_(std::move(proxy)) {}

  kj::Promise<void> deliver(DeliverContext context) override {
    Result<Packet> packet = ReadPacket(context.getParams().getPacket());
    if (!packet.ok()) {
      // A peer that sends malformed packets breaks the protocol.
      return KJ_EXCEPTION(FAILED, "malformed port packet", packet.error().message);
    }
    return order_.Then([this, packet = *packet]() -> kj::Promise<void> {
      std::shared_ptr<PortProxy> proxy = proxy_.lock();
      if (proxy == nullptr) return kj::READY_NOW;
      std::weak_ptr<PortProxy> weak = proxy;
      return WhenRoom(loop_,
                      [&](std::function<void()> wake) { return proxy->HasRoom(std::move(wake)); })
          .then([weak, packet] {
            if (auto p = weak.lock()) p->Deliver(packet);
          });
    });
  }

  kj::Promise<void> cancelled(CancelledContext context) override {
    uint64_t key = context.getParams().getKey();
    return order_.Then([this, key] {
      if (auto proxy = proxy_.lock()) proxy->Cancelled(key);
    });
  }

 private:
  const std::shared_ptr<Loop> loop_;
  const std::weak_ptr<PortProxy> proxy_;
  Sequence order_;
};

void PortProxy::Start(const std::shared_ptr<PortProxy>& self) {
  std::weak_ptr<PortProxy> weak = self;
  link()->OnGone([weak] {
    if (auto proxy = weak.lock()) proxy->LinkGone();
  });
}

void PortProxy::Demand() {
  {
    MutexLock lock(&mu_);
    if (attached_ || refused_) return;
    attached_ = true;
  }
  // Posted before any cancel made from now, so the server answers those
  // with markers to this sink.
  std::weak_ptr<PortProxy> weak = std::static_pointer_cast<PortProxy>(shared_from_this());
  (void)OnLoop<proto::rpc::Port>([weak](auto) {
    if (auto proxy = weak.lock()) proxy->Attach();
  });
}

void PortProxy::Attach() {
  std::weak_ptr<PortProxy> weak = std::static_pointer_cast<PortProxy>(shared_from_this());
  auto request = capability().castAs<proto::rpc::Port>().attachRequest();
  request.setSink(kj::heap<Sink>(link()->loop(), weak));
  auto attached = request.send().then(
      [weak](auto&& response) {
        auto proxy = weak.lock();
        if (proxy == nullptr) return;
        if (!ReadOutcome(response.getOutcome()).ok()) return proxy->Refused();
        proxy->Hold(response.getSubscription());
      },
      [](kj::Exception&&) {});  // The link is failing; LinkGone follows.
  link()->loop()->Detach(kj::mv(attached), "port attach");
}

VoidResult PortProxy::CheckCapacity() {
  MutexLock lock(&mu_);
  if (gone_ || link()->gone()) return link()->GoneError();
  if (inbox_.size() + out_ >= kMaxPackets) {
    return MakeError(Status::kShouldWait, "port is at capacity");
  }
  return Ok();
}

VoidResult PortProxy::WaitAsync(Ref<KernelObject> object, Signals signals, uint64_t key) {
  if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to wait on");
  if (signals == Signals::kNone) return MakeError(Status::kInvalidArgs, "no signals to wait for");
  TRY(CheckCapacity());
  std::shared_ptr<Link> link = this->link();
  return Post([link, object = std::move(object), signals,
               key](proto::rpc::Port::Client port) -> kj::Promise<void> {
    Result<proto::rpc::Object::Client> exported = ExportObject(link, object, Rights::kWait);
    if (!exported.ok()) return kj::READY_NOW;  // Lost: kNotSupported (see above).
    auto request = port.waitAsyncRequest();
    request.setObject(*exported);
    request.setSignals(uint32_t(signals));
    request.setKey(key);
    return request.send().ignoreResult();
  });
}

VoidResult PortProxy::Cancel(uint64_t key) {
  std::function<void()> room;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    if (gone_ || link()->gone()) return link()->GoneError();
    room = PurgeLocked(key);
    if (attached_) ++cancelling_[key];
    UpdateLocked(fired);
  }
  Wake(std::move(room));
  return Post([key](proto::rpc::Port::Client port) {
    auto request = port.cancelRequest();
    request.setKey(key);
    return request.send().ignoreResult();
  });
}

VoidResult PortProxy::Queue(const Packet& packet) {
  TRY(CheckCapacity());
  Packet user = packet;
  user.type = PacketType::kUser;
  user.observed = Signals::kNone;
  return Post([user](proto::rpc::Port::Client port) {
    auto request = port.queueRequest();
    WritePacket(user, request.initPacket());
    return request.send().ignoreResult();
  });
}

VoidResult PortProxy::Post(std::function<kj::Promise<void>(proto::rpc::Port::Client)> send) {
  {
    MutexLock lock(&mu_);
    ++out_;
  }
  std::weak_ptr<PortProxy> weak = std::static_pointer_cast<PortProxy>(shared_from_this());
  std::shared_ptr<Link> link = this->link();
  VoidResult posted =
      OnLoop<proto::rpc::Port>([weak, link, send = std::move(send)](proto::rpc::Port::Client port) {
        // The outcome is lost (see above); only the count goes down.
        auto answered = send(port).catch_([](kj::Exception&&) {}).then([weak] {
          if (auto proxy = weak.lock()) proxy->Answered();
        });
        link->loop()->Detach(kj::mv(answered), "port call");
      });
  if (!posted.ok()) Answered();
  return posted;
}

void PortProxy::Answered() {
  MutexLock lock(&mu_);
  --out_;
}

Result<Packet> PortProxy::Wait() {
  Demand();
  std::function<void()> room;
  Packet packet;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    if (inbox_.empty()) {
      if (gone_) return link()->GoneError();
      return MakeError(Status::kShouldWait, "port has no packet");
    }
    packet = inbox_.front();
    inbox_.pop_front();
    room = TakeRoomLocked();
    UpdateLocked(fired);
  }
  Wake(std::move(room));
  return packet;
}

bool PortProxy::HasRoom(std::function<void()> room) {
  MutexLock lock(&mu_);
  if (inbox_.size() < kMaxPackets) return true;
  room_ = std::move(room);
  return false;
}

void PortProxy::Deliver(const Packet& packet) {
  Notifications fired;
  MutexLock lock(&mu_);
  // A signal packet for a key being cancelled left the port before the cancel.
  if (packet.type == PacketType::kSignal && cancelling_.contains(packet.key)) return;
  inbox_.push_back(packet);
  UpdateLocked(fired);
}

void PortProxy::Cancelled(uint64_t key) {
  std::function<void()> room;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    room = PurgeLocked(key);
    // The marker may answer another holder's cancel of the same capability.
    if (auto it = cancelling_.find(key); it != cancelling_.end() && --it->second == 0) {
      cancelling_.erase(it);
    }
    UpdateLocked(fired);
  }
  Wake(std::move(room));
}

void PortProxy::Refused() {
  MutexLock lock(&mu_);
  attached_ = false;
  refused_ = true;
  cancelling_.clear();  // No marker will come.
}

void PortProxy::LinkGone() {
  Notifications fired;
  MutexLock lock(&mu_);
  gone_ = true;
  UpdateLocked(fired);
}

std::function<void()> PortProxy::PurgeLocked(uint64_t key) {
  std::erase_if(inbox_,
                [key](const Packet& p) { return p.key == key && p.type == PacketType::kSignal; });
  return TakeRoomLocked();
}

std::function<void()> PortProxy::TakeRoomLocked() {
  if (inbox_.size() >= kMaxPackets) return nullptr;
  return std::exchange(room_, nullptr);
}

void PortProxy::Wake(std::function<void()> room) {
  if (room) (void)link()->loop()->Post(std::move(room));
}

void PortProxy::UpdateLocked(Notifications& fired) {
  Signals set = Signals::kNone;
  if (!inbox_.empty() || gone_) set |= Signals::kReadable;
  if (gone_) set |= Signals::kPeerClosed;
  UpdateSignals(Signals::kAll, set, fired);
}

}  // namespace

Ref<KernelObject> NewPortProxy(const std::shared_ptr<Link>& link,
                               proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<PortProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

}  // namespace shoal::kernel::remote
