// `shoal nodes`: the cluster's members and their state.
#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/table.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

std::string StateName(pb::NodeState state) {
  switch (state) {
    case pb::NODE_STATE_UP:
      return "up";
    case pb::NODE_STATE_SUSPECT:
      return "suspect";
    case pb::NODE_STATE_DEAD:
      return "dead";
    default:
      return "?";
  }
}

}  // namespace

void AddNodesCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand("nodes", "List the cluster's nodes and their state");
  RunWithClient(sub, options, exit_code, [](Client& client) {
    pb::ListNodesResponse response;
    grpc::Status status = client.admin().ListNodes(client.Context().get(), {}, &response);
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(response);
      return 0;
    }
    Table table({"NAME", "ID", "ADMIN", "PEER", "STATE", "PROCS", "HEARD"});
    for (const pb::Node& n : response.nodes()) {
      std::string heard = n.self() ? "self" : std::to_string(n.last_heard_ms()) + "ms ago";
      table.Add({n.name(), std::to_string(n.node_id()), n.admin_address(), n.peer_address(),
                 StateName(n.state()), std::to_string(n.processes()), heard});
    }
    table.Print();
    return 0;
  });
}

}  // namespace shoal::cli
