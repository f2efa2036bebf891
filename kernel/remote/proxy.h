// Proxies: kernel objects that stand for an object on another node.
//
// A proxy implements its type's operations interface (ChannelOps, FileOps,
// ...) by calling the capability it holds, so a handle cannot tell it from a
// local object (ARCHITECTURE.md, invariant 3). RemoteObject is the part every
// proxy shares: the capability (which lives on the loop thread), the Link it
// came through, and Call(), which runs a request on the loop thread and hands
// the answer back through a callback, never blocking the caller (invariant 4).
//
// Signals: a MirroredProxy watches the remote object (Object.watch) and
// mirrors the signals it pushes, edges (pulses) included, so observing a
// proxy, and parking on it, is local. When the link goes, every proxy sets kPeerClosed
// (OnLinkGone).
//
// Threading: operations from any thread; construction on the loop thread
// (Import); destruction anywhere (the capability is released on the loop).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/remote/link.h"
#include "kernel/remote/outcome.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

class RemoteObject {
 public:
  virtual ~RemoteObject();
  RemoteObject(const RemoteObject&) = delete;
  RemoteObject& operator=(const RemoteObject&) = delete;

  const std::shared_ptr<Link>& link() const { return link_; }
  // Loop thread: the capability this proxy stands for.
  proto::rpc::Object::Client capability() const { return core_->capability; }

  // Whether a handle to this proxy leaves the node as a new server of the
  // proxy itself (which then forwards), rather than as the capability it
  // holds: for a proxy that holds what the remote object no longer has.
  virtual bool ServesItselfOnExport() const { return false; }

 protected:
  // Loop thread.
  RemoteObject(std::shared_ptr<Link> link, proto::rpc::Object::Client capability);

  // Runs `start(capability as T)` on the loop thread. kPeerGone at once when
  // the link is gone (then `start` never runs).
  template <typename T>
  VoidResult OnLoop(std::function<void(typename T::Client)> start) const {
    if (link_->gone()) return link_->GoneError();
    std::shared_ptr<Core> core = core_;
    if (!link_->loop()->Post(
            [core, start = std::move(start)] { start(core->capability.castAs<T>()); })) {
      return MakeError(Status::kPeerGone, "the node's data plane has stopped");
    }
    return Ok();
  }

  // Sends `request` (built on the loop thread by `build` from the typed
  // capability) and calls `done` exactly once: with `read(response)`, or with
  // the error of a failed call (kPeerGone when the connection broke). `done`
  // runs on the loop thread, or on the caller's when the call cannot start.
  template <typename T, typename V, typename Build, typename Read>
  void Call(Build build, Read read, std::function<void(V)> done) const {
    std::shared_ptr<Link> link = link_;
    auto shared_done = std::make_shared<std::function<void(V)>>(std::move(done));
    VoidResult started = OnLoop<T>([link, build = std::move(build), read = std::move(read),
                                    shared_done](typename T::Client capability) mutable {
      auto promise = build(capability)
                         .send()
                         .then([read = std::move(read), shared_done](
                                   auto&& response) mutable { (*shared_done)(read(response)); },
                               [link, shared_done](kj::Exception&& e) {
                                 (*shared_done)(V(FromException(e, link->peer())));
                               });
      link->loop()->Detach(kj::mv(promise), "proxied call");
    });
    if (!started.ok()) (*shared_done)(V(started.error()));
  }

  // Keeps `capability` (a subscription) for as long as the proxy lives.
  // Loop thread.
  void Hold(capnp::Capability::Client capability) { core_->held.push_back(kj::mv(capability)); }

 private:
  struct Core {
    explicit Core(proto::rpc::Object::Client c) : capability(kj::mv(c)) {}
    proto::rpc::Object::Client capability;
    std::vector<capnp::Capability::Client> held;
  };
  const std::shared_ptr<Link> link_;
  const std::shared_ptr<Core> core_;  // Destroyed on the loop thread.
};

// The proxy part of `object`; null for a local object.
RemoteObject* AsRemote(KernelObject& object);

// Applies signals pushed by a watch; shared by every MirroredProxy.
class SignalMirror {
 public:
  virtual ~SignalMirror() = default;
  // Loop thread.
  virtual void MirrorSignals(Signals signals) = 0;
  // Bits the remote object raised as an edge (signal_pump.h). Loop thread.
  virtual void MirrorPulse(Signals bits) {}
};

// Starts Object.watch on `capability` for `mirror` (held weakly), and keeps
// the subscription in `hold`. Loop thread.
void StartWatch(const std::shared_ptr<Link>& link, proto::rpc::Object::Client capability,
                std::weak_ptr<SignalMirror> mirror,
                std::function<void(capnp::Capability::Client)> hold);

// The operations of a proxy that fetches ahead only once its holder uses
// it: reads (which call Demand themselves), waits and looks at the signals.
// A proxy made on a migrating process's destination then fetches nothing
// before the process runs there, so a move that fails leaves what the
// remote object had with the holder that still has the process.
template <typename Ops>
class FetchesOnUse : public Ops {
 public:
  Result<ObserverToken> ObserveAsync(Signals mask, ObserverCallback callback) override {
    Demand();
    return Ops::ObserveAsync(mask, std::move(callback));
  }
  Signals signals() const override {
    // Starting to fetch changes what arrives, not the proxy itself.
    const_cast<FetchesOnUse*>(this)->Demand();
    return Ops::signals();
  }

 protected:
  explicit FetchesOnUse(ObjectType type) : Ops(type) {}
  // The holder uses the proxy: starts fetching, once. Any thread.
  virtual void Demand() = 0;
};

// A proxy whose signals mirror the remote object's.
template <typename Ops>
class MirroredProxy : public Ops, public RemoteObject, public SignalMirror {
 public:
  void MirrorSignals(Signals signals) override { SetSignals(signals); }
  void MirrorPulse(Signals bits) override {
    Notifications fired;
    this->PulseSignals(bits, fired);
  }

 protected:
  MirroredProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : Ops(Ops::kType), RemoteObject(std::move(link), kj::mv(capability)) {}

  // Loop thread, once the proxy is owned by a shared_ptr (Import does it).
  void Start(const std::shared_ptr<MirroredProxy>& self) {
    StartWatch(link(), capability(), std::weak_ptr<SignalMirror>(self),
               [this](capnp::Capability::Client held) { Hold(kj::mv(held)); });
    std::weak_ptr<MirroredProxy> weak = self;
    link()->OnGone([weak] {
      if (auto proxy = weak.lock()) proxy->OnLinkGone();
    });
  }

  // The link went: by default the object reads as peer-closed.
  virtual void OnLinkGone() { SetSignals(this->signals() | Signals::kPeerClosed); }

  void SetSignals(Signals signals) {
    Notifications fired;
    this->UpdateSignals(Signals::kAll, signals, fired);
  }
};

}  // namespace shoal::kernel::remote
