// `shoal run`: runs a WASI program in this process, or with --on NODE on a
// node of a cluster (cluster_run.cc).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace shoal::cli {

struct ClientOptions;

// Adds the `run` subcommand to `app`. When it is chosen, parsing runs the
// program and stores the exit code for `shoal` in `exit_code`, which must
// outlive the parse. `cluster` is how `--on NODE` reaches the cluster.
void AddRunCommand(CLI::App& app, int& exit_code, ClientOptions& cluster);

// What `shoal run --on NODE` is asked to start.
struct ClusterRun {
  std::string node;
  std::vector<std::string> command;  // MODULE.wasm and its arguments.
  std::vector<std::string> env;
  // HOST[:GUEST] on the node, or NODE:HOST[:GUEST] on node NODE (when a
  // member has that name).
  std::vector<std::string> dirs;
  uint64_t fuel = 0;
  uint64_t memory_bytes = 0;  // 0: the node's default.
  bool remote_path = false;   // MODULE.wasm is a path on the node.
  bool follow = false;        // Stream its output and exit with its code.
  bool quiet = false;         // Print only the pid.
};

// Starts `run` on the cluster (cluster_run.cc); returns shoal's exit code.
int RunOnCluster(const ClientOptions& options, const ClusterRun& run);

}  // namespace shoal::cli
