// `shoal run --on NODE MODULE.wasm [ARGS...]`: Spawn on a cluster node.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <variant>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/run_command.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

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
  for (const std::string& d : run.dirs) {
    pb::Preopen* p = request.add_preopens();
    size_t colon = d.find(':');
    p->set_host_path(d.substr(0, colon));
    p->set_guest_path(colon == std::string::npos ? d : d.substr(colon + 1));
  }
  request.set_fuel(run.fuel);

  auto connected = Client::Connect(options, "run");
  if (int* code = std::get_if<int>(&connected)) return *code;
  Client& client = *std::get<std::unique_ptr<Client>>(connected);
  pb::SpawnResponse response;
  grpc::Status status =
      client.admin().Spawn(client.Context(std::chrono::seconds(60)).get(), request, &response);
  if (!status.ok()) return client.Fail(status);
  if (!run.follow) {
    if (client.json()) {
      PrintJson(response);
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
