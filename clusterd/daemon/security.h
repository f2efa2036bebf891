// Credentials for shoald's two services and for its calls to peers.
//
// Admin service: TLS with the node certificate (clients verify it against
// the CA) and a bearer token on every call, checked by AdminAuth. Peer
// service and data plane: mutual TLS; a peer must present a certificate
// signed by the cluster CA. With --insecure-dev (loopback only, see
// config.h) all of them are plaintext and the token is not required.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "clusterd/daemon/config.h"
#include "kernel/base/result.h"
#include "kernel/remote/transport.h"

namespace shoal::clusterd {

struct Credentials {
  std::shared_ptr<grpc::ServerCredentials> admin_server;
  std::shared_ptr<grpc::ServerCredentials> peer_server;
  std::shared_ptr<grpc::ChannelCredentials> peer_client;
  std::string token;  // Empty: admin calls need no token (insecure-dev without a token file).
  // The data plane's TLS material (the same node certificate, key and CA as
  // the Peer service); null with --insecure-dev.
  std::optional<kernel::remote::TlsIdentity> data_plane;
};

// Reads the TLS files and the token named in `config`. kIoError naming the
// file that cannot be read; kInvalidArgs for an empty token.
Result<Credentials> LoadCredentials(const DaemonConfig& config);

// Checks the "authorization: Bearer <token>" metadata of an admin call in
// constant time. UNAUTHENTICATED, saying what is missing, when it does not
// match.
class AdminAuth {
 public:
  explicit AdminAuth(std::string token) : token_(std::move(token)) {}
  grpc::Status Check(const grpc::ServerContext& context) const;
  // Whether `presented` is the token (always, when none is required); the
  // dashboard's login and cookie use it.
  bool Accepts(std::string_view presented) const;
  bool required() const { return !token_.empty(); }

 private:
  std::string token_;
};

}  // namespace shoal::clusterd
