// Node names and addresses as the wire checks them: one rule for every
// service that trusts a certificate (the Peer service's gRPC identity in
// clusterd/daemon/peer_identity.h, the data plane's TLS in transport.h).
//
// A node certificate (deploy/gen-certs) carries CN=NODE and the DNS SANs
// NODE and localhost, plus the IP SANs 127.0.0.1 and ::1 and any --san.
// "localhost" and IP literals are on every node's certificate, so they never
// prove which node a peer is; only the other names do.
#pragma once

#include <string>
#include <string_view>

namespace shoal::kernel::remote {

// True when a certificate carrying `name` proves that it belongs to node
// `name`: not empty, not "localhost", not an IPv4 or IPv6 literal.
bool IsNodeName(std::string_view name);

// The host part of "host:port", "[v6]:port" or a bare host.
std::string HostOf(std::string_view address);

// True for "127.x.x.x:port", "localhost:port" and "[::1]:port": where the
// insecure development mode (no TLS, no identity) may listen and dial.
bool IsLoopbackAddress(std::string_view address);

}  // namespace shoal::kernel::remote
