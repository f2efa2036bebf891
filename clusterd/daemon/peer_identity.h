// Peer identity: which node a Peer call (or answer) really comes from.
//
// Peer traffic is mutual TLS with certificates signed by the cluster CA
// (deploy/gen-certs). A certificate proves the node names it carries: its
// DNS subject alternative names, or its common name when it has no SAN
// (gRPC's peer identity). gen-certs writes CN=NODE and DNS SANs NODE and
// localhost (plus any --san), so "localhost" and IP addresses, which every
// node's certificate carries, never prove a node name (the one rule,
// kernel/remote/names.h, which the data plane's transport follows too). A
// caller names the node it claims to be in the "shoal-node" metadata of
// every call (added by PeerClients), and a heartbeat also in its `from`;
// both must be proven.
// With --insecure-dev (plaintext, loopback only) there is no certificate,
// so claims are taken as they are.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

namespace shoal::clusterd {

// The metadata key naming the calling node on every Peer call.
inline constexpr char kPeerNodeMetadata[] = "shoal-node";

// Whether peers must prove their names with a certificate.
enum class PeerIdentityCheck : uint8_t {
  kCertificate,  // TLS: the certificate must name the claimed node.
  kNone,         // --insecure-dev: no certificates, claims are trusted.
};

// The node names a verified peer certificate proves (see above); empty
// when the peer is not authenticated.
std::vector<std::string> CertificateNodeNames(const grpc::AuthContext& auth);

// OK when `check` is kNone or the peer's certificate proves `claimed`;
// otherwise PERMISSION_DENIED naming the certificate's names and the claim.
// `auth` may be null (no TLS).
grpc::Status CheckPeerIdentity(PeerIdentityCheck check, const grpc::AuthContext* auth,
                               const std::string& claimed);

// The "shoal-node" metadata of a Peer call; empty when absent.
std::string ClaimedPeerNode(const grpc::ServerContext& context);

}  // namespace shoal::clusterd
