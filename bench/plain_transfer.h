// The peers that transfer benchmarks measure against in the same run
// (docs/benchmarks.md): plain TCP and plain TLS between two threads over
// loopback, with blocking sockets and nothing of Shoal's in the path.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>
#include <vector>

#include "kernel/remote/test_certificates.h"

namespace shoal::bench {

[[noreturn]] inline void TransferDie(const char* what) {
  std::fprintf(stderr, "bench: %s failed\n", what);
  std::exit(1);
}

// A connected pair of TCP sockets on 127.0.0.1 (client, server), TCP_NODELAY.
inline std::pair<int, int> LoopbackTcpPair() {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    TransferDie("tcp listen");
  }
  int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(client, reinterpret_cast<sockaddr*>(&addr), len) != 0) TransferDie("tcp connect");
  int server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  close(listener);
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return {client, server};
}

// An OpenSSL context with `id`'s certificate and key (the server's), or
// none (the client's; the bench trusts its own loopback peer).
inline SSL_CTX* PlainTlsContext(const kernel::remote::TlsIdentity* id) {
  SSL_CTX* ctx = SSL_CTX_new(id != nullptr ? TLS_server_method() : TLS_client_method());
  if (ctx == nullptr) TransferDie("SSL_CTX_new");
  if (id != nullptr) {
    BIO* cert = BIO_new_mem_buf(id->certificate.data(), int(id->certificate.size()));
    BIO* key = BIO_new_mem_buf(id->private_key.data(), int(id->private_key.size()));
    X509* x509 = PEM_read_bio_X509(cert, nullptr, nullptr, nullptr);
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr);
    if (x509 == nullptr || pkey == nullptr || SSL_CTX_use_certificate(ctx, x509) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, pkey) != 1) {
      TransferDie("loading the bench certificate");
    }
    X509_free(x509);
    EVP_PKEY_free(pkey);
    BIO_free(cert);
    BIO_free(key);
  }
  return ctx;
}

// MiB/s of plain TLS: one thread writes `bytes` in 64 KiB SSL_writes to
// another over a loopback TCP socket; the clock starts after the
// handshake. The bytes come from `from` (null: one 64 KiB buffer written
// again and again, always in cache) and land in `into` (null: one 64 KiB
// buffer read into again and again).
inline double PlainTlsMiBps(const kernel::remote::TlsIdentity& server_id, uint64_t bytes,
                            const uint8_t* from = nullptr, uint8_t* into = nullptr) {
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kChunk = 64 * 1024;
  auto [a, b] = LoopbackTcpPair();
  SSL_CTX* server_ctx = PlainTlsContext(&server_id);
  SSL_CTX* client_ctx = PlainTlsContext(nullptr);
  SSL* server = SSL_new(server_ctx);
  SSL* client = SSL_new(client_ctx);
  SSL_set_fd(server, b);
  SSL_set_fd(client, a);
  std::thread sink([server, bytes, into] {
    if (SSL_accept(server) != 1) TransferDie("SSL_accept");
    std::vector<uint8_t> buffer(into == nullptr ? kChunk : 0);
    uint64_t total = 0;
    while (total < bytes) {
      uint8_t* at = into != nullptr ? into + total : buffer.data();
      const int r = SSL_read(server, at, int(std::min<uint64_t>(kChunk, bytes - total)));
      if (r <= 0) break;
      total += uint64_t(r);
    }
    if (total != bytes) TransferDie("a plain TLS transfer (bytes lost)");
  });
  if (SSL_connect(client) != 1) TransferDie("SSL_connect");
  const Clock::time_point start = Clock::now();
  std::vector<uint8_t> chunk(kChunk, 'x');
  for (uint64_t sent = 0; sent < bytes; sent += kChunk) {
    const int size = int(std::min<uint64_t>(kChunk, bytes - sent));
    const uint8_t* at = from != nullptr ? from + sent : chunk.data();
    if (SSL_write(client, at, size) != size) TransferDie("SSL_write");
  }
  sink.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  SSL_shutdown(client);
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(client_ctx);
  SSL_CTX_free(server_ctx);
  close(a);
  close(b);
  return double(bytes) / (1 << 20) / seconds;
}

}  // namespace shoal::bench
