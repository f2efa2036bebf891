// `shoal run --on NODE MODULE.wasm [ARGS...]`: Spawn on a cluster node.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <variant>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/run_command.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

// A --dir spec on a cluster: [NODE:]HOST[:GUEST]. The first component names
// a node when a member has that name; otherwise the spec is HOST[:GUEST] on
// the node that runs the program, as before (so a local path with a colon
// keeps working while no node is called like its first part).
pb::Preopen ParseClusterDir(const std::string& spec, const std::set<std::string>& nodes) {
  pb::Preopen p;
  std::string rest = spec;
  size_t colon = rest.find(':');
  if (colon != std::string::npos && nodes.count(rest.substr(0, colon)) != 0) {
    p.set_node(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
    colon = rest.find(':');
  }
  p.set_host_path(rest.substr(0, colon));
  p.set_guest_path(colon == std::string::npos ? rest : rest.substr(colon + 1));
  return p;
}

}  // namespace

int RunOnCluster(const ClientOptions& options, const ClusterRun& run) {
  pb::SpawnRequest request;
  request.set_node(run.node);
  const std::string& module = run.command.front();
  if (run.remote_path) {
    request.set_module_path(module);
  } else {
    std::ifstream file(module, std::ios::binary);
    if (!file) {
      std::fprintf(stderr,
                   "shoal run: cannot read %s: %s (use --remote-path for a file on the node)\n",
                   module.c_str(), std::strerror(errno));
      return kExitNoInput;
    }
    request.set_module_bytes(
        std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>()));
  }
  for (const std::string& a : run.command) request.add_args(a);
  for (const std::string& e : run.env) request.add_env(e);
  request.set_fuel(run.fuel);
  request.set_memory_bytes(run.memory_bytes);

  auto connected = Client::Connect(options, "run");
  if (int* code = std::get_if<int>(&connected)) return *code;
  Client& client = *std::get<std::unique_ptr<Client>>(connected);
  // Which --dir specs start with a node's name: only worth asking when one
  // has a colon.
  std::set<std::string> nodes;
  if (std::any_of(run.dirs.begin(), run.dirs.end(),
                  [](const std::string& d) { return d.find(':') != std::string::npos; })) {
    pb::ListNodesResponse listed;
    grpc::Status status = client.admin().ListNodes(client.Context().get(), {}, &listed);
    if (!status.ok()) return client.Fail(status);
    for (const pb::Node& n : listed.nodes()) nodes.insert(n.name());
  }
  for (const std::string& d : run.dirs) *request.add_preopens() = ParseClusterDir(d, nodes);
  pb::SpawnResponse response;
  grpc::Status status =
      client.admin().Spawn(client.Context(std::chrono::seconds(60)).get(), request, &response);
  if (!status.ok()) return client.Fail(status);
  if (!run.follow) {
    if (client.json()) {
      PrintJson(response);
    } else if (run.quiet) {
      std::printf("%llu\n", (unsigned long long)response.pid());
    } else {
      std::printf("started %llu on %s\n", (unsigned long long)response.pid(),
                  response.node().c_str());
    }
    return 0;
  }
  std::fprintf(stderr, "started %llu on %s\n", (unsigned long long)response.pid(),
               response.node().c_str());
  if (int code = StreamLogs(client, response.pid(), /*follow=*/true)) return code;
  pb::WaitRequest wait;
  wait.set_pid(response.pid());
  pb::WaitResponse ended;
  status = client.admin().Wait(client.Context(std::nullopt).get(), wait, &ended);
  if (!status.ok()) return client.Fail(status);
  return ExitCodeOf(ended.exit());
}

}  // namespace shoal::cli
