// PeerClients: one gRPC channel and Peer stub per peer address, shared by
// membership and by forwarded admin calls. Every call made through them
// carries "shoal-node: <this node's name>" metadata (peer_identity.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "kernel/base/thread_annotations.h"
#include "proto/peer.grpc.pb.h"

namespace shoal::clusterd {

class PeerClients {
 public:
  PeerClients(std::shared_ptr<grpc::ChannelCredentials> credentials, std::string self)
      : credentials_(std::move(credentials)), self_(std::move(self)) {}

  // The stub for `address` (host:port), created on first use. Thread-safe;
  // stubs are thread-safe too.
  std::shared_ptr<shoal::peer::v1::Peer::Stub> For(const std::string& address);

 private:
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const std::string self_;
  Mutex mu_;
  std::map<std::string, std::shared_ptr<shoal::peer::v1::Peer::Stub>> stubs_ GUARDED_BY(mu_);
};

}  // namespace shoal::clusterd
