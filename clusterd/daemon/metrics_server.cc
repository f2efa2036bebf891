#include "clusterd/daemon/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::clusterd {
namespace {

constexpr int kPollMs = 200;  // How often the thread checks for shutdown.

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += size_t(n);
  }
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                            const Metrics& metrics) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return MakeError(Status::kInvalidArgs, "metrics address " + address + " is not host:port");
  }
  std::string host = address.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(std::atoi(address.c_str() + colon + 1)));
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    return MakeError(Status::kInvalidArgs, "metrics address " + address + " is not IPv4");
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(fd, 16) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return MakeError(Status::kIoError, "cannot listen on " + address + ": " + why);
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return std::unique_ptr<MetricsServer>(new MetricsServer(fd, ntohs(sa.sin_port), metrics));
}

MetricsServer::MetricsServer(int fd, int port, const Metrics& metrics)
    : fd_(fd), port_(port), metrics_(metrics), thread_(&MetricsServer::Serve, this) {}

MetricsServer::~MetricsServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

void MetricsServer::Serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    // Read the request head (bounded in size and time).
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
      pollfd c{conn, POLLIN, 0};
      if (::poll(&c, 1, 1000) <= 0) break;
      ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, size_t(n));
    }
    std::string body, status;
    if (request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0) {
      status = "200 OK";
      body = metrics_.Render();
    } else {
      status = "404 Not Found";
      body = "shoald serves only GET /metrics\n";
    }
    WriteAll(conn, "HTTP/1.0 " + status +
                       "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    ::close(conn);
  }
}

}  // namespace shoal::clusterd
