// DashboardServer: shoald's web front door (docs/dashboard.md). Serves the
// dashboard's files and bridges the browser's JSON calls to the Admin API
// (json_bridge.h), over HTTPS with the node certificate, or plain HTTP on
// loopback under --insecure-dev.
//
// Routes:
//   GET  /login, /login*.{html,js,css}  the login page (public)
//   POST /login    {"token": "..."}: 204 and an HttpOnly cookie, or 401
//   POST /logout   clears the cookie
//   POST /api/shoal.admin.v1.Admin/METHOD   the bridge (JSON or NDJSON)
//   GET  /FILE     a file of the dashboard directory; "/" is index.html
// Everything but the login page needs the token, from the cookie or an
// "Authorization: Bearer" header; pages without it redirect to /login.
// API calls must be application/json (a form of another site cannot send
// one, and the cookie is SameSite=Strict).
//
// Threading: the HTTP side runs on a kj loop of its own (kernel/remote/
// loop.h), so a slow browser never holds up the data plane; each API call
// runs on a thread of its own, since a gRPC call blocks (json_bridge.h).
// At most kMaxCalls run at once; more get 503.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "clusterd/daemon/security.h"
#include "kernel/base/result.h"
#include "kernel/remote/transport.h"

namespace shoal::clusterd {

struct DashboardOptions {
  std::string listen;     // host:port; port 0 picks one.
  std::string directory;  // The built dashboard (index.html, login.html, ...).
  // The node certificate and key (HTTPS); null: plain HTTP, which
  // --insecure-dev allows on loopback only.
  std::optional<kernel::remote::TlsIdentity> tls;
  const AdminAuth* auth = nullptr;
  // Into the daemon's own Admin server (grpc::Server::InProcessChannel).
  std::shared_ptr<grpc::Channel> admin;
  // How often a quiet stream writes an empty line, so a browser that left
  // is noticed.
  std::chrono::milliseconds keepalive{15000};
};

class DashboardServer {
 public:
  static constexpr int kMaxCalls = 64;

  // Binds and serves. Errors: kInvalidArgs (TLS material that does not
  // load, plain HTTP off loopback), kIoError (cannot bind).
  static Result<std::unique_ptr<DashboardServer>> Start(DashboardOptions options);
  // Cancels the calls in flight, waits for their threads and stops.
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // "https://127.0.0.1:7700/" (the bound port).
  const std::string& url() const;

  class Impl;

 private:
  explicit DashboardServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::clusterd
