#include "clusterd/daemon/peer_clients.h"

#include <grpcpp/support/client_interceptor.h>

#include "clusterd/daemon/peer_identity.h"

namespace shoal::clusterd {
namespace {

namespace gx = grpc::experimental;

// gRPC's own default: room for a handshake on a loaded machine.
constexpr int kPeerConnectTimeoutMs = 20'000;

// Names this node in the metadata of every outgoing Peer call.
class NodeNameInterceptor final : public gx::Interceptor {
 public:
  explicit NodeNameInterceptor(std::string self) : self_(std::move(self)) {}
  void Intercept(gx::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            gx::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({kPeerNodeMetadata, self_});
    }
    methods->Proceed();
  }

 private:
  const std::string self_;
};

class NodeNameInterceptorFactory final : public gx::ClientInterceptorFactoryInterface {
 public:
  explicit NodeNameInterceptorFactory(std::string self) : self_(std::move(self)) {}
  gx::Interceptor* CreateClientInterceptor(gx::ClientRpcInfo*) override {
    return new NodeNameInterceptor(self_);
  }

 private:
  const std::string self_;
};

}  // namespace

std::shared_ptr<shoal::peer::v1::Peer::Stub> PeerClients::For(const std::string& address) {
  MutexLock lock(&mu_);
  auto& stub = stubs_[address];
  if (!stub) {
    grpc::ChannelArguments args;
    // Reconnect quickly after a peer restarts, so rejoin is prompt.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // gRPC core reads this one as the least time a connection attempt (TCP,
    // TLS, HTTP/2 settings) gets before it is abandoned. Lowered to the
    // backoff, it cut off every handshake that took over a second, and
    // eight TCG guests on two cores, each handshaking with seven peers,
    // never finished one: each retry only added load. A refused connection
    // still fails at once and retries after the backoff above.
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kPeerConnectTimeoutMs);
    std::vector<std::unique_ptr<gx::ClientInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(std::make_unique<NodeNameInterceptorFactory>(self_));
    stub = shoal::peer::v1::Peer::NewStub(gx::CreateCustomChannelWithInterceptors(
        address, credentials_, args, std::move(interceptors)));
  }
  return stub;
}

}  // namespace shoal::clusterd
