// `shoal migrate PID --to NODE`: moves a running process (the daemon
// answers UNIMPLEMENTED until live migration lands).
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

void AddMigrateCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand("migrate", "Move a running process to another node");
  auto pid = std::make_shared<uint64_t>(0);
  auto to = std::make_shared<std::string>();
  sub->add_option("PID", *pid, "Process id")->required();
  sub->add_option("--to", *to, "Destination node")->required();
  RunWithClient(sub, options, exit_code, [pid, to](Client& client) {
    pb::MigrateRequest request;
    request.set_pid(*pid);
    request.set_to_node(*to);
    pb::MigrateResponse response;
    grpc::Status status = client.admin().Migrate(client.Context().get(), request, &response);
    if (!status.ok()) return client.Fail(status);
    std::printf("migrated %llu to %s\n", (unsigned long long)*pid, to->c_str());
    return 0;
  });
}

}  // namespace shoal::cli
