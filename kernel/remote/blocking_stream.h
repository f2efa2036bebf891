// BlockingStream: one TCP connection between nodes for a thread that blocks
// on it, under TLS with the node certificates (the same context and checks
// as the data plane's streams, transport.h) or, in the insecure development
// mode, plain on loopback.
//
// The data plane's connection runs every Cap'n Proto call of a node on one
// event loop, which hands each message between threads and loop turns; that
// chain, not the cipher, bounds its bulk rate (docs/benchmarks.md, "Where a
// pre-copy's time goes"). A bulk transfer that needs no capabilities (a
// migration's pages, migrate/page_stream.h) takes a connection of
// its own instead, written and read by the threads that produce and
// consume the bytes.
//
// Either end names the node it expects at the other: its certificate must
// prove that name as a TLS hostname (a DNS SAN, or the CN of a certificate
// without SANs), or the handshake fails.
//
// Threading: one thread reads and writes; Shutdown() may be called from any
// other, to wake it.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "kernel/base/result.h"
#include "kernel/remote/tls_stream.h"

namespace shoal::kernel::remote {

class BlockingStream {
 public:
  // Connects to `host`:`port` and, with `tls`, does the handshake as the
  // client: the server must prove `peer`. Every step is bounded by
  // `timeout`, which then also bounds each later read or write that makes
  // no progress. Errors: kPeerGone (unreachable, refused, timed out),
  // kAccessDenied (a certificate that does not prove `peer`, or that the
  // cluster CA did not sign).
  static Result<std::unique_ptr<BlockingStream>> Connect(const std::string& host, uint16_t port,
                                                         const TlsContext* tls,
                                                         const std::string& peer,
                                                         std::chrono::milliseconds timeout);
  // Takes an accepted socket `fd` (owned from here on) and, with `tls`, does
  // the handshake as the server: the client must prove `peer`. Errors as
  // Connect's.
  static Result<std::unique_ptr<BlockingStream>> Accept(int fd, const TlsContext* tls,
                                                        const std::string& peer,
                                                        std::chrono::milliseconds timeout);
  // Accept in two steps, so that another thread can Shutdown() a handshake
  // that hangs: takes `fd`, then Handshake() does the TLS handshake (none
  // without TLS). Errors: kNoMemory.
  static Result<std::unique_ptr<BlockingStream>> Adopt(int fd, const TlsContext* tls,
                                                       const std::string& peer,
                                                       std::chrono::milliseconds timeout);
  // Errors as Connect's.
  VoidResult Handshake();
  ~BlockingStream();
  BlockingStream(const BlockingStream&) = delete;
  BlockingStream& operator=(const BlockingStream&) = delete;

  // Writes all of `data`. kPeerGone when the connection broke, was shut
  // down, or took nothing for the timeout.
  VoidResult Write(const void* data, size_t size);
  // Reads exactly `size` bytes. kPeerGone as Write's, and at the end of the
  // stream (the peer closed it, cleanly or not).
  VoidResult Read(void* data, size_t size);
  // Ends the connection both ways: a read or write blocked in another
  // thread returns kPeerGone, and so does every later one.
  void Shutdown();
  // Bounds each later read or write that makes no progress (Connect's and
  // Adopt's `timeout` bounds the handshake).
  void SetTimeout(std::chrono::milliseconds timeout);
  // Whether a read would find bytes (or the end) at once.
  bool Readable();
  // Ends this side's writing after what was written, then reads and drops
  // what the peer still sends, until it closes or `limit` passes: closing
  // with unread bytes would reset the connection, and the peer could lose
  // the last thing written to it.
  void Linger(std::chrono::milliseconds limit);

 private:
  BlockingStream(int fd, SSL* ssl, bool client, std::string peer)
      : fd_(fd), ssl_(ssl), client_(client), peer_(std::move(peer)) {}
  // A stream on the connected blocking socket `fd`, set up for its
  // handshake in its role.
  static Result<std::unique_ptr<BlockingStream>> Open(int fd, const TlsContext* tls,
                                                      const std::string& peer,
                                                      std::chrono::milliseconds timeout,
                                                      bool client);
  Error Broken(const char* what) const;
  template <typename Step>
  VoidResult Repeat(const char* what, size_t size, Step step);

  const int fd_;
  SSL* const ssl_;  // Owned; null without TLS.
  const bool client_;
  const std::string peer_;  // The node the other end must prove.
};

// A listening TCP socket for a BlockingStream: bound to `host` on a port
// the system picks.
class BlockingListener {
 public:
  // kIoError when `host` cannot be bound.
  static Result<std::unique_ptr<BlockingListener>> Listen(const std::string& host);
  ~BlockingListener();
  BlockingListener(const BlockingListener&) = delete;
  BlockingListener& operator=(const BlockingListener&) = delete;

  uint16_t port() const { return port_; }
  // Waits until a connection comes (its socket, blocking, owned by the
  // caller), or `timeout` passes (kPeerGone), or Wake() is called
  // (kBadState). May be called again for the next connection.
  Result<int> AcceptOne(std::chrono::milliseconds timeout);
  // Ends a wait of AcceptOne, and every later one, at once. Any thread.
  void Wake();

 private:
  BlockingListener(int fd, int wake, uint16_t port) : fd_(fd), wake_(wake), port_(port) {}
  const int fd_;
  const int wake_;  // An eventfd.
  const uint16_t port_;
};

}  // namespace shoal::kernel::remote
