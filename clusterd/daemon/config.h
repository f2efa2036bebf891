// DaemonConfig: everything shoald is told at start, from a TOML file
// (--config) and flags; a flag given on the command line wins over the
// file. Keys in the file are the flag names with '_' for '-'
// (docs/daemon.md lists them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/remote/names.h"

namespace shoal::clusterd {

struct DaemonConfig {
  std::string config_file;
  std::string node_name;
  uint32_t node_id = 0;  // 1..4095, unique in the cluster: the low bits of its pids.
  std::string admin_listen = "127.0.0.1:7400";
  std::string peer_listen = "127.0.0.1:7500";
  // The data plane (Cap'n Proto RPC between nodes, docs/remote.md).
  std::string data_listen = "127.0.0.1:7600";
  // What other nodes and ListNodes are told; default: the listen address
  // (for the data plane, the bound one).
  std::string admin_advertise;
  std::string peer_advertise;
  std::string data_advertise;
  std::vector<std::string> peers;  // Peer addresses (host:port) of the static member list.
  // Devices the node serves, "PATH=BACKEND[:OPTIONS]" (rdev::ParseDeviceSpec).
  std::vector<std::string> devices;
  std::string data_dir = "shoald-data";
  uint32_t workers = 0;  // Kernel worker threads; 0: one per core.
  std::string tls_cert;  // PEM node certificate (serverAuth and clientAuth).
  std::string tls_key;
  std::string tls_ca;      // PEM CA that signs every node's certificate.
  std::string token_file;  // The admin bearer token, on its first line.
  bool insecure_dev = false;
  std::string log_level = "info";
  std::string metrics_listen;  // host:port for Prometheus text; empty: off.
  // host:port of the web dashboard (dashboard_server.h); empty: off.
  std::string dashboard_listen;
  std::string dashboard_dir;  // Its files; empty: ../share/shoal/dashboard beside shoald.
  uint32_t heartbeat_ms = 500;
  uint32_t suspect_ms = 2000;
  uint32_t dead_ms = 5000;
  uint64_t console_retain_bytes = 1 << 20;
  uint32_t ended_retained = 256;
  // Fault points to arm, "POINT=ACTION[@N]" (fault_points.h); tests only.
  std::vector<std::string> faults;
};

// Parses the command line (and the --config file it names) into `config`.
// Returns an exit code when shoald should exit at once: 0 after --help, 64
// after a usage error (already reported on stderr).
std::optional<int> ParseCommandLine(int argc, char** argv, DaemonConfig& config);

// Checks the combination of settings: a node name and id, TLS material and
// a token unless insecure_dev, and, with insecure_dev, that every listen
// and peer address is loopback. kInvalidArgs with a message saying what to
// change.
VoidResult ValidateConfig(const DaemonConfig& config);

// True for "127.x.x.x:port", "localhost:port" and "[::1]:port" (one rule
// for the daemon and the data plane's transport).
using kernel::remote::IsLoopbackAddress;

}  // namespace shoal::clusterd
