// `shoal kill PID`: stops a process wherever it runs.
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

void AddKillCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand("kill", "Stop a process");
  auto pid = std::make_shared<uint64_t>(0);
  AddPidArgument(sub, *pid);
  RunWithClient(sub, options, exit_code, [pid](Client& client) {
    pb::KillRequest request;
    request.set_pid(*pid);
    pb::KillResponse response;
    grpc::Status status = client.admin().Kill(client.Context().get(), request, &response);
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(response);
    } else if (response.already_ended()) {
      std::printf("%llu on %s had already ended\n", (unsigned long long)*pid,
                  response.node().c_str());
    } else {
      std::printf("killed %llu on %s\n", (unsigned long long)*pid, response.node().c_str());
    }
    return 0;
  });
}

}  // namespace shoal::cli
