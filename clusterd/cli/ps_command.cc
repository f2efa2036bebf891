// `shoal ps [--node N]`: processes of the cluster or of one node.
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/table.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

// CPU time as seconds with millisecond precision ("0.042s").
std::string FormatCpu(uint64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3fs", double(ns) / 1e9);
  return text;
}

}  // namespace

void AddPsCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand("ps", "List processes (running, ended and lost)");
  auto node = std::make_shared<std::string>();
  sub->add_option("--node", *node, "Only this node's processes");
  RunWithClient(sub, options, exit_code, [node](Client& client) {
    pb::ListProcessesRequest request;
    request.set_node(*node);
    pb::ListProcessesResponse response;
    grpc::Status status = client.admin().ListProcesses(client.Context().get(), request, &response);
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(response);
      return 0;
    }
    Table table({"PID", "NODE", "STATE", "MOVES", "CPU", "FUEL", "COMMAND"});
    for (const pb::Process& p : response.processes()) {
      // A trap's message can be long: `ps -o json` and `wait` show it.
      std::string state = p.state() == pb::PROCESS_STATE_RUNNING     ? "running"
                          : p.exit().kind() == pb::EXIT_KIND_TRAPPED ? "trapped"
                          : p.has_exit()                             ? DescribeExit(p.exit())
                                                                     : "ended";
      if (p.state() == pb::PROCESS_STATE_LOST) state = "lost";
      std::string command;
      for (const std::string& a : p.args()) command += (command.empty() ? "" : " ") + a;
      // Running processes show their figures so far; lost ones have none.
      bool lost = p.state() == pb::PROCESS_STATE_LOST;
      // How often it moved, and from where last: "2 (node-a)".
      std::string moves = std::to_string(p.moves());
      if (!p.moved_from().empty()) moves += " (" + p.moved_from() + ")";
      table.Add({std::to_string(p.pid()), p.node(), state, moves,
                 lost ? "-" : FormatCpu(p.cpu_ns()), lost ? "-" : std::to_string(p.fuel_used()),
                 command.empty() ? "-" : command});
    }
    table.Print();
    for (const std::string& n : response.unreachable_nodes()) {
      std::fprintf(stderr, "shoal ps: node %s did not answer; its processes are not listed\n",
                   n.c_str());
    }
    return 0;
  });
}

}  // namespace shoal::cli
