#include "clusterd/daemon/config.h"

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>

#include "clusterd/version.h"
#include "rdev/node_devices.h"

namespace shoal::clusterd {
namespace {

template <typename T>
void Take(const toml::table& table, const char* key, T& out) {
  if (std::optional<T> v = table[key].value<T>()) out = *v;
}

// Reads `path` into `config`. Errors name the file and the line.
VoidResult LoadToml(const std::string& path, DaemonConfig& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return MakeError(Status::kInvalidArgs, path + ":" + std::to_string(e.source().begin.line) +
                                               ": " + std::string(e.description()));
  }
  static const char* kKnown[] = {"node_name",      "node_id",
                                 "admin_listen",   "peer_listen",
                                 "data_listen",    "admin_advertise",
                                 "peer_advertise", "data_advertise",
                                 "peers",          "data_dir",
                                 "workers",        "tls_cert",
                                 "tls_key",        "tls_ca",
                                 "token_file",     "insecure_dev",
                                 "log_level",      "metrics_listen",
                                 "heartbeat_ms",   "suspect_ms",
                                 "dead_ms",        "console_retain_bytes",
                                 "ended_retained", "devices",
                                 "dashboard_listen", "dashboard_dir"};
  for (const auto& [key, value] : table) {
    bool known = false;
    for (const char* k : kKnown) known |= key.str() == k;
    if (!known) {
      return MakeError(Status::kInvalidArgs,
                       path + ": unknown key '" + std::string(key.str()) + "'");
    }
  }
  Take(table, "node_name", config.node_name);
  int64_t id = config.node_id;
  Take(table, "node_id", id);
  config.node_id = uint32_t(id);
  Take(table, "admin_listen", config.admin_listen);
  Take(table, "peer_listen", config.peer_listen);
  Take(table, "data_listen", config.data_listen);
  Take(table, "admin_advertise", config.admin_advertise);
  Take(table, "peer_advertise", config.peer_advertise);
  Take(table, "data_advertise", config.data_advertise);
  if (const toml::array* peers = table["peers"].as_array()) {
    config.peers.clear();
    for (const auto& p : *peers) {
      if (auto s = p.value<std::string>()) config.peers.push_back(*s);
    }
  }
  if (const toml::array* devices = table["devices"].as_array()) {
    config.devices.clear();
    for (const auto& d : *devices) {
      auto s = d.value<std::string>();
      if (!s) return MakeError(Status::kInvalidArgs, path + ": devices holds strings only");
      config.devices.push_back(*s);
    }
  }
  Take(table, "data_dir", config.data_dir);
  int64_t n = config.workers;
  Take(table, "workers", n);
  config.workers = uint32_t(n);
  Take(table, "tls_cert", config.tls_cert);
  Take(table, "tls_key", config.tls_key);
  Take(table, "tls_ca", config.tls_ca);
  Take(table, "token_file", config.token_file);
  Take(table, "insecure_dev", config.insecure_dev);
  Take(table, "log_level", config.log_level);
  Take(table, "metrics_listen", config.metrics_listen);
  Take(table, "dashboard_listen", config.dashboard_listen);
  Take(table, "dashboard_dir", config.dashboard_dir);
  for (auto [key, field] :
       {std::pair{"heartbeat_ms", &config.heartbeat_ms},
        std::pair{"suspect_ms", &config.suspect_ms}, std::pair{"dead_ms", &config.dead_ms},
        std::pair{"ended_retained", &config.ended_retained}}) {
    int64_t v = *field;
    Take(table, key, v);
    *field = uint32_t(v);
  }
  int64_t retain = int64_t(config.console_retain_bytes);
  Take(table, "console_retain_bytes", retain);
  config.console_retain_bytes = uint64_t(retain);
  return Ok();
}

// The --config value, found before the full parse so that flags can
// override the file.
std::string FindConfigFlag(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) return argv[i + 1];
    if (std::strncmp(argv[i], "--config=", 9) == 0) return argv[i] + 9;
  }
  return "";
}

}  // namespace

std::optional<int> ParseCommandLine(int argc, char** argv, DaemonConfig& config) {
  CLI::App app{"shoald: the Shoal node daemon (kernel host, Admin and Peer gRPC services)"};
  app.footer(
      "Every flag can also be set in the --config TOML file, under its name with '_' for '-'\n"
      "(e.g. node_name = \"node-a\", peers = [\"10.0.0.2:7500\"]); flags win over the file.\n"
      "Security: admin calls need TLS and 'authorization: Bearer <token>'; --insecure-dev\n"
      "turns both off and is refused unless every address is loopback. deploy/gen-certs\n"
      "makes a CA, node certificates and a token. See docs/daemon.md.");
  app.set_version_flag("--version", VersionLine("shoald"), "Print the version and git commit");
  app.add_option("--config", config.config_file, "TOML configuration file")->type_name("FILE");
  app.add_option("--node-name", config.node_name, "This node's name, unique in the cluster");
  app.add_option("--node-id", config.node_id,
                 "This node's id, 1..4095, unique in the cluster (the low 12 bits of its pids)");
  app.add_option("--admin-listen", config.admin_listen, "Address of the Admin service")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  app.add_option("--peer-listen", config.peer_listen, "Address of the Peer service")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  app.add_option("--data-listen", config.data_listen,
                 "Address of the data plane (objects between nodes, Cap'n Proto RPC)")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  app.add_option("--admin-advertise", config.admin_advertise,
                 "Admin address told to others (default: --admin-listen)");
  app.add_option("--peer-advertise", config.peer_advertise,
                 "Peer address told to others (default: --peer-listen)");
  app.add_option("--data-advertise", config.data_advertise,
                 "Data address told to others (default: the bound --data-listen)");
  app.add_option("--peer", config.peers, "Peer address of another node (repeat for each)")
      ->type_name("HOST:PORT")
      ->allow_extra_args(false);
  app.add_option("--device", config.devices,
                 "A device this node serves, PATH=BACKEND[:OPTIONS] (repeat for each); backends:"
                 " synthetic-camera[:NAME], v4l2:HOSTPATH, synthetic-tone[:HZ], wav-sink:HOSTPATH,"
                 " alsa-playback:PCM, alsa-capture:PCM")
      ->type_name("PATH=BACKEND[:OPTIONS]")
      ->allow_extra_args(false);
  app.add_option("--data-dir", config.data_dir, "Directory for this node's state")
      ->capture_default_str();
  app.add_option("--workers", config.workers, "Kernel worker threads (0: one per core)")
      ->capture_default_str();
  app.add_option("--tls-cert", config.tls_cert, "PEM certificate of this node")->type_name("FILE");
  app.add_option("--tls-key", config.tls_key, "PEM private key of this node")->type_name("FILE");
  app.add_option("--tls-ca", config.tls_ca, "PEM CA certificate that signs node certificates")
      ->type_name("FILE");
  app.add_option("--token-file", config.token_file, "File holding the admin bearer token")
      ->type_name("FILE");
  app.add_flag("--insecure-dev", config.insecure_dev,
               "No TLS and no token (development only; every address must be loopback)");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--metrics-listen", config.metrics_listen,
                 "Serve Prometheus metrics at http://HOST:PORT/metrics (default: off)")
      ->type_name("HOST:PORT");
  app.add_option("--dashboard-listen", config.dashboard_listen,
                 "Serve the web dashboard at https://HOST:PORT/ (http with --insecure-dev; "
                 "default: off)")
      ->type_name("HOST:PORT");
  app.add_option("--dashboard-dir", config.dashboard_dir,
                 "The built dashboard's files (default: ../share/shoal/dashboard beside shoald)")
      ->type_name("DIR");
  app.add_option("--heartbeat-ms", config.heartbeat_ms, "Heartbeat interval")
      ->capture_default_str();
  app.add_option("--suspect-ms", config.suspect_ms, "Silence after which a node is suspect")
      ->capture_default_str();
  app.add_option("--dead-ms", config.dead_ms,
                 "Silence after which a node is dead and its processes lost")
      ->capture_default_str();
  app.add_option("--console-retain-bytes", config.console_retain_bytes,
                 "Console output kept per process")
      ->capture_default_str();
  app.add_option("--ended-retained", config.ended_retained,
                 "Ended processes kept for ps, logs and wait")
      ->capture_default_str();
  // Hidden (no group): a test's switch, not an operator's.
  app.add_option("--fault", config.faults, "Arm a fault point: POINT=ACTION[@N] (tests)")
      ->group("");

  std::string file = FindConfigFlag(argc, argv);
  if (!file.empty()) {
    VoidResult loaded = LoadToml(file, config);
    if (!loaded.ok()) {
      std::fprintf(stderr, "shoald: %s\n", loaded.error().message.c_str());
      return 64;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 64;
  }
  return std::nullopt;
}

VoidResult ValidateConfig(const DaemonConfig& config) {
  auto bad = [](std::string m) { return MakeError(Status::kInvalidArgs, std::move(m)); };
  if (config.node_name.empty()) return bad("--node-name is required");
  if (config.node_id == 0 || config.node_id > 4095) {
    return bad("--node-id must be in 1..4095 and unique in the cluster");
  }
  if (config.suspect_ms <= config.heartbeat_ms || config.dead_ms <= config.suspect_ms) {
    return bad("timings must satisfy heartbeat-ms < suspect-ms < dead-ms");
  }
  for (const std::string& device : config.devices) {
    if (Result<rdev::DeviceSpec> spec = rdev::ParseDeviceSpec(device); !spec.ok()) {
      return bad("--device " + device + ": " + spec.error().message);
    }
  }
  if (config.insecure_dev) {
    std::vector<std::string> all = {config.admin_listen, config.peer_listen, config.data_listen};
    if (!config.metrics_listen.empty()) all.push_back(config.metrics_listen);
    if (!config.dashboard_listen.empty()) all.push_back(config.dashboard_listen);
    if (!config.data_advertise.empty()) all.push_back(config.data_advertise);
    all.insert(all.end(), config.peers.begin(), config.peers.end());
    for (const std::string& a : all) {
      if (!IsLoopbackAddress(a)) {
        return bad("--insecure-dev is only allowed when every address is loopback, and " + a +
                   " is not; use TLS and a token (deploy/gen-certs) to listen elsewhere");
      }
    }
    return Ok();
  }
  if (config.tls_cert.empty() || config.tls_key.empty() || config.tls_ca.empty()) {
    return bad(
        "TLS material is required: --tls-cert, --tls-key and --tls-ca (deploy/gen-certs makes "
        "them), or --insecure-dev on loopback for development");
  }
  if (config.token_file.empty()) {
    return bad(
        "--token-file is required (deploy/gen-certs makes one), or --insecure-dev on "
        "loopback for development");
  }
  return Ok();
}

}  // namespace shoal::clusterd
