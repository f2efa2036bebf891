// ObjectClient and proxies: the client side of the object protocol.
//
// A proxy is a KernelObject that implements an operations interface
// (ChannelOps, PortOps, TimerOps, ConsoleOps, FileOps, DirectoryOps,
// DeviceOps, ProcessOps) by sending each call as a proto::ObjectRequest
// through the client's transport and decoding the proto::ObjectResponse. A
// handle holding a proxy cannot tell it from a local object (ARCHITECTURE.md,
// invariant 3).
//
// Handles in messages: a handle the client sends must name a proxy of this
// same client (its export id goes back to the server); anything else gets
// kNotSupported until connections export objects in both directions. Handles
// the client receives become new proxies.
//
// Observation: ObserveAsync on a proxy registers a client-side callback under
// a connection-unique token and asks the server to observe; the server sends
// an Event when its observer fires, and OnEvent() runs the callback.
//
// Asynchrony: the transport answers each request through a callback. File
// reads, writes and syncs (the operations whose interface is asynchronous)
// use CallAsync: the server answers from the operation's completion, so a
// process reading a proxied file parks and no worker waits for the disk.
// Every other operation uses the blocking Call forms; the loopback server
// answers them before the transport returns, so nothing waits there either.
// TODO(async): over a network those calls must park the process too
// (invariant 4).
//
// Threading: thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/object/thread_annotations.h"
#include "kernel/object/wire.h"
#include "proto/object.capnp.h"

namespace shoal::kernel {

class ObjectClient : public std::enable_shared_from_this<ObjectClient> {
 public:
  // Receives the response bytes of one request, exactly once, on any thread
  // (possibly before the transport returns). An error means the connection
  // failed, not the operation.
  using Reply = std::function<void(Result<std::vector<uint8_t>> response)>;
  // Sends request bytes; the answer goes to `reply`.
  using Transport = std::function<void(std::vector<uint8_t> request, Reply reply)>;

  static Ref<ObjectClient> Create(Transport transport);

  // A proxy for the object the server exported as `export_id`. The proxy owns
  // the export: destroying it sends `release`.
  Result<Ref<KernelObject>> Import(uint64_t export_id, ObjectType type);

  // Delivers an Event from the server. Malformed bytes are dropped (kMalformed).
  VoidResult OnEvent(std::span<const uint8_t> bytes);

  // --- For proxies. ---

  // Sends `request` and returns `read(response)` when the response's status is
  // kOk, or the status it carries. Blocks until the answer is in.
  template <typename Fn>
  auto Call(capnp::MessageBuilder& request, Fn&& read)
      -> decltype(read(std::declval<proto::ObjectResponse::Reader>())) {
    using R = decltype(read(std::declval<proto::ObjectResponse::Reader>()));
    std::vector<uint8_t> response = TRY(Send(request));
    return wire::ReadMessage<proto::ObjectResponse>(response,
                                                    [&](proto::ObjectResponse::Reader r) -> R {
                                                      TRY(CheckStatus(r));
                                                      return read(r);
                                                    });
  }
  // Sends `request` without waiting: `reply` gets the raw answer.
  void CallAsync(capnp::MessageBuilder& request, Reply reply) {
    transport_(wire::ToBytes(request), std::move(reply));
  }
  // Call() for operations with no result.
  VoidResult CallVoid(capnp::MessageBuilder& request);

  ObserverToken AddObserver(uint64_t export_id, ObserverCallback callback);
  // True when the callback was still pending (it will not run now).
  bool RemoveObserver(ObserverToken token);

  // The proxy for `export_id` went away: forget its observers, tell the server.
  void Release(uint64_t export_id);

  // A handle entry to send: its export id, if it is a proxy of this client.
  Result<uint64_t> ExportIdOf(const HandleEntry& entry) const;
  // A received handle: a new proxy with the rights it carries.
  Result<HandleEntry> ImportRef(proto::HandleRef::Reader ref);

 private:
  explicit ObjectClient(Transport transport) : transport_(std::move(transport)) {}
  // Sends `request` and blocks until its answer is in.
  Result<std::vector<uint8_t>> Send(capnp::MessageBuilder& request);
  static VoidResult CheckStatus(proto::ObjectResponse::Reader response);

  struct PendingObserver {
    uint64_t export_id;
    ObserverCallback callback;
  };
  const Transport transport_;
  mutable Mutex mu_;
  ObserverToken next_token_ GUARDED_BY(mu_) = 1;
  std::map<ObserverToken, PendingObserver> observers_ GUARDED_BY(mu_);
};

// What every proxy shares: its client and export id, and the remote forms of
// the KernelObject operations.
class ProxyLink {
 public:
  ProxyLink(Ref<ObjectClient> client, uint64_t export_id)
      : client_(std::move(client)), export_id_(export_id) {}
  virtual ~ProxyLink() { client_->Release(export_id_); }

  ObjectClient& client() const { return *client_; }
  uint64_t export_id() const { return export_id_; }

 protected:
  // A request to this object, in `message`.
  proto::ObjectRequest::Builder NewRequest(capnp::MessageBuilder& message) const {
    auto request = message.initRoot<proto::ObjectRequest>();
    request.setTarget(export_id_);
    return request;
  }
  Signals RemoteSignals() const;
  Result<ObserverToken> RemoteObserve(Signals mask, ObserverCallback callback);
  bool RemoteCancel(ObserverToken token);

 private:
  const Ref<ObjectClient> client_;
  const uint64_t export_id_;
};

// A proxy implementing `Ops` (an operations interface, or KernelObject).
template <typename Ops>
class Proxy : public Ops, public ProxyLink {
 public:
  Proxy(ObjectType type, Ref<ObjectClient> client, uint64_t export_id)
      : Ops(type), ProxyLink(std::move(client), export_id) {}

  // Unreachable server: no signals.
  Signals signals() const override { return RemoteSignals(); }
  Result<ObserverToken> ObserveAsync(Signals mask, ObserverCallback callback) override {
    return RemoteObserve(mask, std::move(callback));
  }
  bool CancelObserver(ObserverToken token) override { return RemoteCancel(token); }
};

// Per-type proxies, defined beside each type's proxy code.
Ref<KernelObject> MakeChannelProxy(Ref<ObjectClient> client, uint64_t export_id);
Ref<KernelObject> MakePortProxy(Ref<ObjectClient> client, uint64_t export_id);
Ref<KernelObject> MakeTimerProxy(Ref<ObjectClient> client, uint64_t export_id);
Ref<KernelObject> MakeConsoleProxy(Ref<ObjectClient> client, uint64_t export_id);
Ref<KernelObject> MakeDeviceProxy(Ref<ObjectClient> client, uint64_t export_id);
Ref<KernelObject> MakeProcessProxy(Ref<ObjectClient> client, uint64_t export_id);
Ref<KernelObject> MakeFileProxy(Ref<ObjectClient> client, uint64_t export_id);
Ref<KernelObject> MakeDirectoryProxy(Ref<ObjectClient> client, uint64_t export_id);

}  // namespace shoal::kernel
