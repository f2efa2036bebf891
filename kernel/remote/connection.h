// Connection: one Cap'n Proto RPC session with another node (a vat) over a
// byte stream: a TLS or TCP socket between nodes, or an in-process pipe in
// tests (capnp-rpc's two-party network).
//
// Each side offers a bootstrap capability (what a node serves to its peers)
// and may ask for the peer's. Capabilities that cross the connection are
// kernel objects (object_rpc.capnp); their lifetime is capnp's, so a broken
// connection releases every object the peer held and fails every call in
// flight. The connection's Link tells its proxies when that happens.
//
// Threading: the loop thread only; create, use and destroy it there.
#pragma once

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <functional>
#include <memory>
#include <string>

#include "kernel/remote/link.h"
#include "kernel/remote/loop.h"

namespace shoal::kernel::remote {

class Connection {
 public:
  // The two ends of a two-party connection; each side needs to know which it
  // is (the one that dialled is the client).
  enum class Side { kClient, kServer };

  // What this side offers the peer, made for the connection's link (servers
  // export handles over the link they serve).
  using Bootstrap = std::function<capnp::Capability::Client(const std::shared_ptr<Link>& link)>;

  // Starts RPC on `stream` with the peer named `peer`.
  Connection(std::shared_ptr<Loop> loop, kj::Own<kj::AsyncIoStream> stream, Side side,
             const Bootstrap& bootstrap, std::string peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The capability the peer offers.
  template <typename T>
  typename T::Client PeerBootstrap() {
    return PeerBootstrapRaw().castAs<T>();
  }
  capnp::Capability::Client PeerBootstrapRaw();

  const std::shared_ptr<Link>& link() const { return link_; }
  // Resolves when the connection broke (after the link was marked gone).
  kj::Promise<void> OnDisconnect() { return disconnected_.addBranch(); }

 private:
  const Side side_;
  std::shared_ptr<Link> link_;
  kj::Own<kj::AsyncIoStream> stream_;
  capnp::TwoPartyVatNetwork network_;
  capnp::RpcSystem<capnp::rpc::twoparty::VatId> rpc_;
  kj::ForkedPromise<void> disconnected_;
};

}  // namespace shoal::kernel::remote
