// `shoal logs [-f] PID`: a process's console output, also after it ended.
#include "clusterd/cli/cluster_commands.h"

namespace shoal::cli {

void AddLogsCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand(
      "logs", "Print a process's console output (stdout to stdout, stderr to stderr)");
  auto pid = std::make_shared<uint64_t>(0);
  auto follow = std::make_shared<bool>(false);
  AddPidArgument(sub, *pid);
  sub->add_flag("-f,--follow", *follow, "Keep printing output until the process ends");
  RunWithClient(sub, options, exit_code,
                [pid, follow](Client& client) { return StreamLogs(client, *pid, *follow); });
}

}  // namespace shoal::cli
