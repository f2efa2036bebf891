// Transport: the byte streams between nodes' data planes, each one
// authenticated: it comes with the name of the node at the other end, proven
// before any Cap'n Proto call crosses it (docs/remote.md, "Between nodes").
//
// With TLS (OpenSSL over the socket through memory BIOs, tls_stream.h: kj-tls
// moved ciphertext 8 KiB per socket call, this reads and writes it in large
// ones), both sides present a node certificate signed by the cluster CA, and
// only that CA is trusted (never the system's store):
//   - the dialler names the node it wants (and sends it as SNI); the server's
//     certificate must prove that name, checked as the TLS hostname during
//     the handshake: a DNS SAN, or the CN of a certificate without SANs;
//   - the server requires a client certificate and takes the client's name
//     from its CN, which must also match the certificate as a hostname.
// Either way the name must be one that can name a node (names.h:
// "localhost" and IP literals, on every node's certificate, prove nothing),
// which is the Peer service's rule (clusterd/daemon/peer_identity.h).
//
// Without TLS (the insecure development mode) the streams are plain TCP,
// allowed only on loopback addresses, and each side announces its name in a
// short hello; the names are taken as they are, as the Peer service does
// under --insecure-dev.
//
// Threading: the loop thread only (create, use and destroy it there).
#pragma once

#include <kj/async-io.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kernel/base/result.h"
#include "kernel/remote/loop.h"

namespace shoal::kernel::remote {

// A node's TLS material, PEM text (deploy/gen-certs writes it).
struct TlsIdentity {
  std::string certificate;  // The node's certificate (a chain, leaf first).
  std::string private_key;
  std::string ca;  // The cluster CA, the only issuer trusted.
};

struct TransportOptions {
  // This node's name: what its certificate proves, or, without TLS, what
  // it announces.
  std::string self;
  // Null: plain TCP with announced names, on loopback addresses only.
  std::optional<TlsIdentity> tls;
  // Bound on one connection's connect and handshake, on either side.
  std::chrono::milliseconds handshake_timeout{5000};
};

// A connected stream and the node name its peer proved (or announced).
struct PeerStream {
  kj::Own<kj::AsyncIoStream> stream;
  std::string peer;
};

class Transport {
 public:
  // kInvalidArgs when the TLS material does not load or `self` cannot
  // name a node. Loop thread; `loop` must outlive the transport.
  static Result<std::unique_ptr<Transport>> Create(Loop& loop, TransportOptions options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Accepts connections until destroyed.
  class Listener {
   public:
    virtual ~Listener() noexcept(false) = default;
    // The bound address, with the port the system chose for port 0.
    virtual const std::string& address() const = 0;
  };
  // Each accepted connection whose peer proved its name, and each refused
  // one with the reason (for the log; the connection is closed).
  using OnPeer = std::function<void(PeerStream peer)>;
  using OnRefused = std::function<void(const Error& why)>;

  // Listens on `address` ("host:port"; port 0 picks one). Every accepted
  // connection does its handshake on its own, within the handshake timeout,
  // so a slow or hostile client holds up no other. Errors: kInvalidArgs (a
  // malformed address, or one off loopback without TLS), kIoError (cannot
  // bind).
  kj::Promise<Result<kj::Own<Listener>>> Listen(std::string address, OnPeer on_peer,
                                                OnRefused on_refused);

  // Connects to `address` and answers once the peer has proven it is node
  // `expected`, within the handshake timeout. Errors: kInvalidArgs
  // (`expected` cannot name a node, or `address` is off loopback without
  // TLS), kAccessDenied (the peer proved another name, or a certificate the
  // cluster CA did not sign), kPeerGone (unreachable, refused, timed out).
  kj::Promise<Result<PeerStream>> Dial(std::string address, std::string expected);

  bool secure() const { return tls_ != nullptr; }
  const std::string& self() const { return options_.self; }

 private:
  class ListenerImpl;
  struct Tls;
  Transport(Loop& loop, TransportOptions options);

  // The server's side of one accepted connection.
  kj::Promise<Result<PeerStream>> Handshake(kj::AuthenticatedStream accepted);
  // The dialler's side: TLS with `expected` as the server name, or the
  // insecure hello.
  kj::Promise<Result<PeerStream>> ProveServer(kj::Own<kj::AsyncIoStream> stream,
                                              const std::string& address,
                                              const std::string& expected);
  // The CN of the certificate the server at `address` presents, when the
  // cluster CA signed it: for the message of a refused dial only.
  kj::Promise<std::optional<std::string>> NameOnCertificate(const std::string& address);

  Loop& loop_;
  const TransportOptions options_;
  std::unique_ptr<Tls> tls_;  // Null without TLS.
};

}  // namespace shoal::kernel::remote
