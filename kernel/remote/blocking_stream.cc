#include "kernel/remote/blocking_stream.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace shoal::kernel::remote {
namespace {

int Millis(std::chrono::milliseconds timeout) {
  return int(std::clamp<int64_t>(timeout.count(), 0, INT_MAX));
}

// Bounds every blocking call on `fd` that makes no progress, and sends
// small writes (a stream's end, its answer) at once.
void Tune(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// While alive, a write to a connection the peer closed fails with EPIPE
// instead of raising the SIGPIPE that would end the whole node: OpenSSL
// writes to the socket with write(2), which cannot be told MSG_NOSIGNAL. The
// signal is blocked on this thread, and one a write raised is taken before
// it is unblocked.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~NoSigpipe() {
    const int saved = errno;
    const timespec now{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &now) > 0 || errno == EINTR) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved;
  }
  NoSigpipe(const NoSigpipe&) = delete;
  NoSigpipe& operator=(const NoSigpipe&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
};

void SetBlocking(int fd) { (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); }

// Connects a socket to one of `host`:`port`'s addresses within `timeout`.
Result<int> Dial(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string where = host + " port " + std::to_string(port);
  if (int e = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); e != 0) {
    return MakeError(Status::kPeerGone, "cannot resolve " + where + ": " + gai_strerror(e));
  }
  std::string why = "no address";
  int connected = -1;
  for (addrinfo* a = found; a != nullptr && connected < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      why = strerror(errno);
      continue;
    }
    int error = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (error == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int r = poll(&p, 1, Millis(timeout));
      socklen_t size = sizeof error;
      if (r > 0) {
        (void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
      } else {
        error = r == 0 ? ETIMEDOUT : errno;
      }
    }
    if (error == 0) {
      connected = fd;
    } else {
      why = strerror(error);
      close(fd);
    }
  }
  freeaddrinfo(found);
  if (connected < 0) return MakeError(Status::kPeerGone, "cannot connect to " + where + ": " + why);
  SetBlocking(connected);
  return connected;
}

}  // namespace

Result<std::unique_ptr<BlockingStream>> BlockingStream::Connect(const std::string& host,
                                                                uint16_t port,
                                                                const TlsContext* tls,
                                                                const std::string& peer,
                                                                std::chrono::milliseconds timeout) {
  std::unique_ptr<BlockingStream> stream =
      TRY(Open(TRY(Dial(host, port, timeout)), tls, peer, timeout, /*client=*/true));
  TRY(stream->Handshake());
  return stream;
}

Result<std::unique_ptr<BlockingStream>> BlockingStream::Accept(int fd, const TlsContext* tls,
                                                               const std::string& peer,
                                                               std::chrono::milliseconds timeout) {
  std::unique_ptr<BlockingStream> stream = TRY(Adopt(fd, tls, peer, timeout));
  TRY(stream->Handshake());
  return stream;
}

Result<std::unique_ptr<BlockingStream>> BlockingStream::Adopt(int fd, const TlsContext* tls,
                                                              const std::string& peer,
                                                              std::chrono::milliseconds timeout) {
  SetBlocking(fd);
  return Open(fd, tls, peer, timeout, /*client=*/false);
}

Result<std::unique_ptr<BlockingStream>> BlockingStream::Open(int fd, const TlsContext* tls,
                                                             const std::string& peer,
                                                             std::chrono::milliseconds timeout,
                                                             bool client) {
  Tune(fd, timeout);
  SSL* ssl = nullptr;
  if (tls != nullptr) {
    ssl = SSL_new(tls->get());
    if (ssl == nullptr) {
      close(fd);
      return MakeError(Status::kNoMemory, "no TLS connection: " + OpenSslErrors());
    }
  }
  // The stream owns both from here, whatever happens.
  std::unique_ptr<BlockingStream> stream(new BlockingStream(fd, ssl, client, peer));
  if (ssl == nullptr) return stream;
  ERR_clear_error();
  // The expected name is part of verifying the chain, on either side: a
  // certificate that does not prove it fails the handshake.
  if ((client && SSL_set_tlsext_host_name(ssl, peer.c_str()) != 1) ||
      SSL_set1_host(ssl, peer.c_str()) != 1 || SSL_set_fd(ssl, fd) != 1) {
    return MakeError(Status::kInvalidArgs, "'" + peer + "' cannot be checked as a TLS name");
  }
  return stream;
}

VoidResult BlockingStream::Handshake() {
  if (ssl_ == nullptr) return Ok();
  const NoSigpipe no_sigpipe;
  ERR_clear_error();
  const int done = client_ ? SSL_connect(ssl_) : SSL_accept(ssl_);
  if (done == 1) return Ok();
  // Before the queue is drained: SSL_get_error reads it.
  const int error = SSL_get_error(ssl_, done);
  const long verified = SSL_get_verify_result(ssl_);
  std::string reasons = OpenSslErrors();
  if (verified != X509_V_OK) {
    return MakeError(Status::kAccessDenied, "node " + peer_ + "'s certificate was refused: " +
                                                X509_verify_cert_error_string(verified) +
                                                (reasons.empty() ? "" : " (" + reasons + ")"));
  }
  if (error == SSL_ERROR_SSL) {
    return MakeError(Status::kAccessDenied,
                     "the TLS handshake with node " + peer_ + " failed: " + reasons);
  }
  return Broken("the TLS handshake");
}

BlockingStream::~BlockingStream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  close(fd_);
}

Error BlockingStream::Broken(const char* what) const {
  const int saved = errno;
  std::string reasons = ssl_ != nullptr ? OpenSslErrors() : std::string();
  std::string why = saved == EAGAIN || saved == EWOULDBLOCK ? "it timed out"
                    : saved != 0                            ? strerror(saved)
                    : !reasons.empty()                      ? reasons
                                                            : "the peer closed the connection";
  return MakeError(Status::kPeerGone, std::string(what) + " failed: " + why);
}

// Calls `step(done, chunk)`, one socket or TLS call that moves up to
// `chunk` bytes from `done` on and answers how many it moved (0 or less:
// none, and errno or OpenSSL's queue says why), until `size` bytes moved.
template <typename Step>
VoidResult BlockingStream::Repeat(const char* what, size_t size, Step step) {
  const NoSigpipe no_sigpipe;  // OpenSSL may write while it reads, too.
  // Once: a call that succeeds leaves nothing in the queue, and clearing
  // it before each 16 KiB record cost a page stream's reading thread 4% of
  // its time.
  if (ssl_ != nullptr) ERR_clear_error();
  size_t done = 0;
  while (done < size) {
    errno = 0;
    const ssize_t n = step(done, std::min<size_t>(size - done, INT_MAX));
    if (n < 0 && ssl_ == nullptr && errno == EINTR) continue;
    if (n <= 0) return Broken(what);
    done += size_t(n);
  }
  return Ok();
}

VoidResult BlockingStream::Write(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  return Repeat("a write", size, [&](size_t done, size_t chunk) -> ssize_t {
    if (ssl_ == nullptr) return send(fd_, bytes + done, chunk, MSG_NOSIGNAL);
    size_t written = 0;
    return SSL_write_ex(ssl_, bytes + done, chunk, &written) == 1 ? ssize_t(written) : -1;
  });
}

VoidResult BlockingStream::Read(void* data, size_t size) {
  auto* bytes = static_cast<uint8_t*>(data);
  return Repeat("a read", size, [&](size_t done, size_t chunk) -> ssize_t {
    if (ssl_ == nullptr) return recv(fd_, bytes + done, chunk, 0);
    size_t read = 0;
    return SSL_read_ex(ssl_, bytes + done, chunk, &read) == 1 ? ssize_t(read) : -1;
  });
}

void BlockingStream::Shutdown() { (void)shutdown(fd_, SHUT_RDWR); }

void BlockingStream::SetTimeout(std::chrono::milliseconds timeout) { Tune(fd_, timeout); }

bool BlockingStream::Readable() {
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  pollfd polled{fd_, POLLIN, 0};
  return poll(&polled, 1, 0) > 0;
}

void BlockingStream::Linger(std::chrono::milliseconds limit) {
  (void)shutdown(fd_, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  uint8_t discard[16 * 1024];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd polled{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&polled, 1, Millis(left)) <= 0) return;
    // The raw bytes: whatever they say, they are not read.
    if (recv(fd_, discard, sizeof discard, MSG_DONTWAIT) <= 0) return;
  }
}

// --- BlockingListener ---

Result<std::unique_ptr<BlockingListener>> BlockingListener::Listen(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int e = getaddrinfo(host.c_str(), "0", &hints, &found); e != 0) {
    return MakeError(Status::kIoError, "cannot resolve " + host + ": " + gai_strerror(e));
  }
  // Non-blocking: a connection gone between poll and accept must not
  // block AcceptOne where Wake() cannot reach it.
  int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                  found->ai_protocol);
  bool bound = fd >= 0 && bind(fd, found->ai_addr, found->ai_addrlen) == 0 && listen(fd, 4) == 0;
  freeaddrinfo(found);
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  bound = bound && getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  int wake = bound ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
  if (wake < 0) {
    std::string why = strerror(errno);
    if (fd >= 0) close(fd);
    return MakeError(Status::kIoError, "cannot listen on " + host + ": " + why);
  }
  const uint16_t port = address.ss_family == AF_INET6
                            ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
                            : ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  return std::unique_ptr<BlockingListener>(new BlockingListener(fd, wake, port));
}

BlockingListener::~BlockingListener() {
  close(fd_);
  close(wake_);
}

Result<int> BlockingListener::AcceptOne(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd polled[2] = {{fd_, POLLIN, 0}, {wake_, POLLIN, 0}};
    const int r = poll(polled, 2, Millis(left));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return MakeError(Status::kIoError, std::string("poll: ") + strerror(errno));
    if (polled[1].revents != 0) return MakeError(Status::kBadState, "the listener was closed");
    if (r == 0) return MakeError(Status::kPeerGone, "no connection came in time");
    // The accepted socket blocks: it does not inherit O_NONBLOCK.
    int fd = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED && errno != EINTR) {
      return MakeError(Status::kPeerGone, std::string("accept: ") + strerror(errno));
    }
  }
}

void BlockingListener::Wake() {
  const uint64_t one = 1;
  (void)!write(wake_, &one, sizeof one);
}

}  // namespace shoal::kernel::remote
