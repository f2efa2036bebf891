// `shoal devices [--node N]`: devices of the cluster's nodes, and their
// mounts of other nodes' devices.
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/table.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

void AddDevicesCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand(
      "devices",
      "List the devices of the cluster's nodes (NODE PATH KIND DRIVER OPEN MODES/SOURCE); mounts "
      "show their source");
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
    Table table({"NODE", "PATH", "KIND", "DRIVER", "OPEN", "MODES/SOURCE"});
    for (const pb::Device& d : response.devices()) {
      std::string detail = d.source();
      if (d.modes_size() <= 2) {
        for (const std::string& mode : d.modes()) detail += (detail.empty() ? "" : ", ") + mode;
      } else {
        // A camera has a mode per format, size and rate: the range keeps the
        // column narrow, and -o json lists them all.
        detail = d.modes(0) + " ... " + d.modes(d.modes_size() - 1) + " (" +
                 std::to_string(d.modes_size()) + " modes)";
      }
      table.Add({d.node(), d.path(), d.kind(), d.driver(), std::to_string(d.open_handles()),
                 detail.empty() ? "-" : detail});
    }
    table.Print();
    for (const std::string& n : response.unreachable_nodes()) {
      std::fprintf(stderr, "shoal devices: node %s did not answer; its devices are not listed\n",
                   n.c_str());
    }
    return 0;
  });
}

}  // namespace shoal::cli
