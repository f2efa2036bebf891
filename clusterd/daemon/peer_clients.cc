#include "clusterd/daemon/peer_clients.h"

namespace shoal::clusterd {

std::shared_ptr<shoal::peer::v1::Peer::Stub> PeerClients::For(const std::string& address) {
  std::lock_guard lock(mu_);
  auto& stub = stubs_[address];
  if (!stub) {
    grpc::ChannelArguments args;
    // Reconnect quickly after a peer restarts, so rejoin is prompt.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    stub = shoal::peer::v1::Peer::NewStub(grpc::CreateCustomChannel(address, credentials_, args));
  }
  return stub;
}

}  // namespace shoal::clusterd
