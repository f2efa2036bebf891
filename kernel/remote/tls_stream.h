// TlsStream: TLS over a kj::AsyncIoStream, with OpenSSL driven through two
// memory BIOs, so that the socket is read and written in large calls.
//
// kj-tls (0.9.2) moves ciphertext through two 8 KiB buffers of its own
// (kj/compat/readiness-io.h), one socket call and one event-loop turn per
// 8 KiB; a 600 KB camera frame took about a millisecond more over it than
// over TCP. Here OpenSSL never touches the socket: ciphertext is read from
// it up to kCiphertextReadBytes at a time into the read BIO, and a write
// encrypts its pieces into the write BIO, which goes to the socket in one
// write per 64 KiB batch (the socket carries one batch, and the peer
// decrypts it, while the next is encrypted).
//
//   - Reads decrypt straight into the caller's buffer; what a record holds
//     beyond what the caller asked for stays in OpenSSL's record buffer for
//     the next read.
//   - Bytes keep their order, across writes and the records a read makes
//     OpenSSL send (alerts, key updates); a failed write fails every later
//     one.
//   - shutdownWrite() sends close_notify after everything written; a read
//     then ends (returns short) at the peer's close_notify. A peer that
//     closes the socket without one is DISCONNECTED; ciphertext that does
//     not decrypt, or a refused handshake, is FAILED.
//
// Threading: the loop thread only, like the stream it wraps.
#pragma once

#include <kj/async-io.h>
#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>

#include "kernel/base/result.h"

namespace shoal::kernel::remote {

inline constexpr size_t kCiphertextReadBytes = 256 * 1024;

// Drains this thread's OpenSSL error queue into one line (empty when it
// holds nothing).
std::string OpenSslErrors();

// One node's TLS configuration: its certificate chain and key, and the
// cluster CA as the only trust anchor (never the system's store). TLS 1.2 at
// least, 1.3 preferred; both sides verify the other's certificate, and a
// server refuses a client that presents none.
class TlsContext {
 public:
  // PEM text. kInvalidArgs when any of it does not load, or the key does not
  // belong to the certificate.
  static Result<std::unique_ptr<TlsContext>> Create(const std::string& certificate,
                                                    const std::string& private_key,
                                                    const std::string& ca);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;  // Owned.
};

// A TLS connection over `inner`. Create it with Connect or Accept, whose
// promise resolves once the handshake is done and the peer's certificate
// verified; the context must outlive the stream.
class TlsStream final : public kj::AsyncIoStream {
  enum class Role { kClient, kServer };

 public:
  // The client's side: sends `server_name` as SNI, and the server's
  // certificate must prove it as a hostname (a DNS SAN, or the CN of a
  // certificate without SANs), or the handshake fails.
  static kj::Promise<kj::Own<TlsStream>> Connect(const TlsContext& context,
                                                 kj::Own<kj::AsyncIoStream> inner,
                                                 const std::string& server_name);
  // The server's side: the client must present a certificate the CA signed.
  static kj::Promise<kj::Own<TlsStream>> Accept(const TlsContext& context,
                                                kj::Own<kj::AsyncIoStream> inner);
  // For kj::heap only: Role is private, so only Connect and Accept can
  // call it.
  TlsStream(const TlsContext& context, kj::Own<kj::AsyncIoStream> inner, Role role);
  ~TlsStream() noexcept(false);

  // The CN of the peer's verified certificate: empty when its subject has
  // none (or it does not convert to UTF-8), nullopt when there is no
  // certificate.
  std::optional<std::string> PeerCommonName() const;
  // Whether the peer's certificate proves `name` as a TLS hostname would be
  // checked (OpenSSL's X509_check_host).
  bool PeerProvesHostname(const std::string& name) const;

  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override;
  kj::Promise<void> write(const void* buffer, size_t size) override;
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override;
  kj::Promise<void> whenWriteDisconnected() override;
  void shutdownWrite() override;
  void abortRead() override;
  void getsockopt(int level, int option, void* value, kj::uint* length) override;
  void setsockopt(int level, int option, const void* value, kj::uint length) override;
  void getsockname(struct sockaddr* addr, kj::uint* length) override;
  void getpeername(struct sockaddr* addr, kj::uint* length) override;

 private:
  kj::Promise<void> Handshake();
  // Decrypts into [out + done, out + max_bytes) until min_bytes are there,
  // reading ciphertext as needed.
  kj::Promise<size_t> ReadPlain(kj::byte* out, size_t min_bytes, size_t max_bytes, size_t done);
  // Reads one batch of ciphertext from the socket into the read BIO.
  kj::Promise<void> ReadCiphertext();
  // Encrypts and queues a batch of `pieces` from pieces[index][offset],
  // then the rest after an event-loop turn.
  kj::Promise<void> WriteFrom(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces, size_t index,
                              size_t offset);
  // Encrypts `size` bytes into the write BIO; throws on failure.
  void Encrypt(const kj::byte* data, size_t size);
  // Queues what the write BIO holds for the socket, after everything queued
  // before; resolves once it is written.
  kj::Promise<void> Flush();
  // The exception for an OpenSSL call that failed with `result`.
  kj::Exception Failure(int result, const char* what);

  kj::Own<kj::AsyncIoStream> inner_;
  SSL* ssl_;                        // Owned; owns both BIOs.
  BIO* in_;                         // Ciphertext from the socket, for OpenSSL.
  BIO* out_;                        // Ciphertext from OpenSSL, for the socket.
  kj::Array<kj::byte> ciphertext_;  // Where a socket read lands.
  bool socket_ended_ = false;       // The socket read returned its end.
  bool plain_ended_ = false;        // The peer's close_notify came.
  bool write_shut_ = false;
  kj::Maybe<kj::Exception> write_failure_;
  // Last, so they are cancelled before what they use goes: the chain of
  // socket writes, each after the one before.
  kj::ForkedPromise<void> sent_;
  kj::Promise<void> shutdown_ = nullptr;
};

}  // namespace shoal::kernel::remote
