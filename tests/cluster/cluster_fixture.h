// TestCluster: N real shoald processes on 127.0.0.1 (TLS, a token, their own
// data dirs under a temporary directory), with short membership timings, and
// helpers that run the real `shoal` CLI against them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace shoal::testing {

// What a command printed (stdout and stderr together) and its exit code.
struct Ran {
  int exit_code = -1;
  std::string output;
};

// Runs `command` with /bin/sh and captures its output.
Ran Shell(const std::string& command);

// Runs `command` with /bin/sh in the background, its output (stdout and
// stderr) going to `output_file`; SIGTERMs and reaps it when destroyed.
class Background {
 public:
  Background(const std::string& command, const std::string& output_file);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

 private:
  pid_t pid_ = 0;
};

// Whether 127.0.0.1:`port` can be bound now.
bool PortFree(int port);

// The contents of `path` ("" when it cannot be read).
std::string ReadFile(const std::string& path);

// Polls `done` every 50 ms until it is true (returns true) or `limit`
// passes (returns false).
bool WaitUntil(const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(30));
// Waits (bounded, as WaitUntil) until the file at `path` contains `text`.
bool WaitForText(const std::string& path, const std::string& text);

class TestCluster {
 public:
  // Timings used by every node (milliseconds).
  static constexpr int kHeartbeatMs = 100;
  static constexpr int kSuspectMs = 500;
  static constexpr int kDeadMs = 1200;

  // `daemon_flags` go to every daemon besides the fixture's own (e.g.
  // {"--workers", "1"}). With `dashboard`, every node serves the web
  // dashboard (dashboard_url), from its default directory unless
  // `daemon_flags` name one with --dashboard-dir.
  explicit TestCluster(int nodes, std::vector<std::string> daemon_flags = {},
                       bool dashboard = false);
  ~TestCluster();  // SIGTERMs (then SIGKILLs) every daemon still running.

  // Starts node i (0-based) again, e.g. after Kill9.
  void Start(int i);
  // Flags node i's daemon gets from its next Start on, besides the
  // cluster's (e.g. {"--fault", "migrate.dest.prepared=exit"}).
  void SetNodeFlags(int i, std::vector<std::string> flags);
  // Whether node i's daemon runs (reaps it when it has exited).
  bool Alive(int i);
  // Starts one more daemon calling itself `name` with id `node_id`, but
  // presenting the certificate of `cert_name` (minted with deploy/gen-certs
  // by the cluster's CA if it does not exist yet), with every other node as
  // a peer. Returns its index. WaitAllUp counts it too.
  int StartExtra(const std::string& name, int node_id, const std::string& cert_name);
  // Mints a certificate for `name` with the cluster's CA (deploy/gen-certs).
  void MintCertificate(const std::string& name) const;
  void Kill9(int i);
  // Sends `signal` to node i's daemon (SIGSTOP to stall it, SIGCONT to let
  // it go on).
  void Signal(int i, int signal);
  // Waits (bounded) until node 0 sees every node up; false when it does not.
  bool WaitAllUp();
  // Polls `shoal nodes -o json` (bounded) until node `name`'s state is
  // `state` ("NODE_STATE_DEAD", ...); false when it never is.
  bool WaitNodeState(const std::string& name, const std::string& state);

  // Runs `shoal ARGS` with node 0's endpoint and the cluster's credentials.
  Ran Shoal(const std::string& args) const;
  // The same against node i's endpoint.
  Ran ShoalAt(int i, const std::string& args) const;
  // `shoal run --on NODE WHAT`: the pid it printed; 0 (and a test failure)
  // when it failed.
  uint64_t StartOn(const std::string& node, const std::string& what) const;
  // What `shoal logs PID` printed.
  std::string Logs(uint64_t pid) const;
  // The connection flags for node i.
  std::string ConnectionFlags(int i = 0) const;

  std::string Name(int i) const { return names_[i]; }
  const std::string& dir() const { return dir_; }
  std::string ca() const { return dir_ + "/certs/ca.pem"; }
  std::string token_file() const { return dir_ + "/certs/token"; }
  std::string admin_address(int i) const { return "127.0.0.1:" + std::to_string(admin_ports_[i]); }
  std::string peer_address(int i) const { return "127.0.0.1:" + std::to_string(peer_ports_[i]); }
  std::string data_address(int i) const { return "127.0.0.1:" + std::to_string(data_ports_[i]); }
  std::string cert(const std::string& name) const { return dir_ + "/certs/" + name + ".pem"; }
  std::string key(const std::string& name) const { return dir_ + "/certs/" + name + ".key"; }
  std::string log(int i) const;
  // "https://127.0.0.1:PORT/" of node i's dashboard (with `dashboard`).
  std::string dashboard_url(int i) const {
    return "https://127.0.0.1:" + std::to_string(dashboard_ports_[i]) + "/";
  }
  // Node 0 serves Prometheus metrics here.
  std::string metrics_url() const {
    return "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics";
  }

 private:
  std::string dir_;
  std::vector<std::string> names_;
  std::vector<int> node_ids_;
  std::vector<std::string> cert_names_;
  std::vector<int> admin_ports_;
  std::vector<int> peer_ports_;
  std::vector<int> data_ports_;
  std::vector<int> dashboard_ports_;
  std::vector<pid_t> pids_;
  std::vector<std::string> daemon_flags_;
  std::vector<std::vector<std::string>> node_flags_;
  int metrics_port_ = 0;
  bool dashboard_ = false;
};

// An unused TCP port on 127.0.0.1 (bound once and released).
int FreePort();

}  // namespace shoal::testing
