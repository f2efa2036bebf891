// `shoal devices [--node N]`: devices of the cluster's nodes.
#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/table.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

void AddDevicesCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand("devices", "List devices of the cluster's nodes");
  auto node = std::make_shared<std::string>();
  sub->add_option("--node", *node, "Only this node's devices");
  RunWithClient(sub, options, exit_code, [node](Client& client) {
    pb::ListDevicesRequest request;
    request.set_node(*node);
    pb::ListDevicesResponse response;
    grpc::Status status = client.admin().ListDevices(client.Context().get(), request, &response);
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(response);
      return 0;
    }
    Table table({"NODE", "PATH", "KIND"});
    for (const pb::Device& d : response.devices()) table.Add({d.node(), d.path(), d.kind()});
    table.Print();
    return 0;
  });
}

}  // namespace shoal::cli
