// The dashboard's JSON bridge against its peer, the gRPC call it makes
// (docs/benchmarks.md, "Dashboard bridge"): one node (a real Daemon, TLS,
// a token), the same Admin calls made N times in a row over one kept-alive
// connection each way, the latency percentiles and the ratio printed.
//
//   shoal-bench-bridge [CALLS]   (default 2000)
#include <kj/async-io.h>
#include <spdlog/spdlog.h>
#include <kj/compat/http.h>
#include <kj/compat/tls.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "clusterd/daemon/daemon.h"
#include "proto/admin.grpc.pb.h"

namespace {

namespace pb = shoal::admin::v1;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "shoal-bench-bridge: %s\n", why.c_str());
  std::exit(1);
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Percentiles {
  double p50_us, p99_us;
};

Percentiles Of(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

// `calls` gRPC ListNodes over one channel.
std::vector<double> TimeGrpc(const std::string& endpoint, const std::string& ca,
                             const std::string& token, int calls) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca;
  auto stub = pb::Admin::NewStub(grpc::CreateChannel(endpoint, grpc::SslCredentials(ssl)));
  std::vector<double> us;
  for (int i = 0; i < calls; ++i) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    pb::ListNodesResponse response;
    auto start = Clock::now();
    grpc::Status status = stub->ListNodes(&context, {}, &response);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!status.ok() || response.nodes_size() != 1) Die("gRPC ListNodes: " + status.error_message());
  }
  return us;
}

// `calls` bridge ListNodes (POST, JSON) over one HTTPS connection.
std::vector<double> TimeBridge(int port, const std::string& ca_pem, const std::string& token,
                               int calls) {
  std::vector<double> us;
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::TlsCertificate ca(kj::StringPtr(ca_pem.c_str()));
  kj::TlsContext::Options options;
  options.useSystemTrustStore = false;
  options.trustedCertificates = kj::arrayPtr(&ca, 1);
  kj::TlsContext tls(kj::mv(options));
  kj::HttpHeaderTable::Builder builder;
  kj::HttpHeaderId authorization = builder.add("Authorization");
  auto table = builder.build();
  auto address = io.provider->getNetwork().parseAddress("127.0.0.1", port).wait(io.waitScope);
  auto stream = tls.wrapClient(address->connect().wait(io.waitScope), "localhost").wait(io.waitScope);
  auto client = kj::newHttpClient(*table, *stream);
  std::string bearer = "Bearer " + token;
  const std::string body = "{}";
  for (int i = 0; i < calls; ++i) {
    kj::HttpHeaders headers(*table);
    headers.set(authorization, kj::StringPtr(bearer.c_str()));
    headers.set(kj::HttpHeaderId::CONTENT_TYPE, "application/json");
    auto start = Clock::now();
    auto request = client->request(kj::HttpMethod::POST, "/api/shoal.admin.v1.Admin/ListNodes",
                                   headers, uint64_t(body.size()));
    request.body->write(body.data(), body.size()).wait(io.waitScope);
    request.body = nullptr;
    auto response = request.response.wait(io.waitScope);
    kj::String text = response.body->readAllText().wait(io.waitScope);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (response.statusCode != 200 || std::string(text.cStr()).find("NODE_STATE_UP") == std::string::npos) {
      Die("bridge ListNodes: HTTP " + std::to_string(response.statusCode) + " " + text.cStr());
    }
  }
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  int calls = argc > 1 ? std::atoi(argv[1]) : 2000;
  if (calls < 10) Die("CALLS must be at least 10");
  std::string dir = (std::filesystem::temp_directory_path() / "shoal-bench-bridge-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) Die("cannot make a temporary directory");
  std::string gen = std::string(SHOAL_GEN_CERTS) + " " + dir + "/certs node-a >/dev/null 2>&1";
  if (std::system(gen.c_str()) != 0) Die("deploy/gen-certs failed");
  std::filesystem::create_directories(dir + "/web");
  std::ofstream(dir + "/web/index.html") << "bench";

  shoal::clusterd::DaemonConfig config;
  config.node_name = "node-a";
  config.node_id = 1;
  // Port 0 everywhere: a port picked here and bound later could be taken
  // in between by another program's outgoing connection.
  config.admin_listen = "127.0.0.1:0";
  config.peer_listen = "127.0.0.1:0";
  config.data_listen = "127.0.0.1:0";
  config.dashboard_listen = "127.0.0.1:0";
  config.dashboard_dir = dir + "/web";
  config.data_dir = dir + "/data";
  config.tls_cert = dir + "/certs/node-a.pem";
  config.tls_key = dir + "/certs/node-a.key";
  config.tls_ca = dir + "/certs/ca.pem";
  config.token_file = dir + "/certs/token";
  spdlog::set_level(spdlog::level::warn);
  auto daemon = shoal::clusterd::Daemon::Start(config);
  if (!daemon.ok()) Die(daemon.error().message);
  const std::string admin = (*daemon)->admin_address();
  const std::string url = (*daemon)->dashboard_url();  // "https://127.0.0.1:PORT/"
  const int dashboard_port = std::atoi(url.substr(url.rfind(':') + 1).c_str());
  std::string ca = Read(config.tls_ca);
  std::string token = Read(config.token_file);
  token = token.substr(0, token.find('\n'));

  // Warm both paths (connections, TLS sessions, the daemon's threads).
  TimeGrpc(admin, ca, token, 50);
  TimeBridge(dashboard_port, ca, token, 50);
  Percentiles grpc = Of(TimeGrpc(admin, ca, token, calls));
  Percentiles bridge = Of(TimeBridge(dashboard_port, ca, token, calls));
  std::printf("ListNodes x%d, one node, TLS, one kept-alive connection each\n", calls);
  std::printf("%-22s %10s %10s\n", "path", "p50 us", "p99 us");
  std::printf("%-22s %10.0f %10.0f\n", "gRPC (peer)", grpc.p50_us, grpc.p99_us);
  std::printf("%-22s %10.0f %10.0f\n", "HTTPS JSON bridge", bridge.p50_us, bridge.p99_us);
  std::printf("bridge / gRPC: p50 %.2fx, p99 %.2fx\n", bridge.p50_us / grpc.p50_us,
              bridge.p99_us / grpc.p99_us);
  daemon->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
