// ServerBase: what the capability server of every exported kernel object
// shares — the object, the rights of the handle it was exported from (checked
// on every call), and Object.watch, which pushes the object's signals to the
// holder whenever they change.
//
// One server per exported handle: capnp-rpc owns it and destroys it when the
// last capability to it is dropped or its connection breaks, which drops the
// server's reference to the object (ARCHITECTURE.md, invariant 3).
//
// Threading: the loop thread only. The object's observers fire on any thread
// and reach the server through Loop::Post.
#pragma once

#include <memory>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/remote/link.h"
#include "kernel/remote/loop.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

class SignalPump;

class ServerBase : public virtual proto::rpc::Object::Server {
 public:
  // `link` is the connection the capability was exported on: in a two-party
  // network every call to it arrives there, and handles those calls carry
  // are imported over it.
  ServerBase(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights);
  virtual ~ServerBase();

  const Ref<KernelObject>& object() const { return object_; }
  Rights rights() const { return rights_; }

  kj::Promise<void> watch(WatchContext context) override;

  // The handle this server was exported for came back to this node
  // (ImportHandle): a stream it feeds the holder it left for ends, as that
  // holder reads it no more.
  virtual void CameHome() {}

 protected:
  // kAccessDenied unless this capability carries `required`.
  VoidResult Require(Rights required) const;
  // Pushes the object's signals to every watcher if they changed: after an
  // operation that may have cleared a signal (observers see only bits being
  // set).
  void RefreshWatchers();
  const std::shared_ptr<Loop>& loop() const { return link_->loop(); }
  const std::shared_ptr<Link>& link() const { return link_; }

 private:
  const std::shared_ptr<Link> link_;
  const Ref<KernelObject> object_;
  const Rights rights_;
  std::vector<std::weak_ptr<SignalPump>> pumps_;
};

// The servers of the object types, defined beside each type's server
// (kernel/remote/<type>_server.cc). Null for a type that cannot be exported.
kj::Own<ServerBase> NewServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                              Rights rights);

}  // namespace shoal::kernel::remote
