// The `shoal` command-line client. Each subcommand lives in its own file
// (run_command.cc, nodes_command.cc, ...) and registers itself on the root
// app here; the one the user picks runs from its parse callback and sets
// the exit code. The command line is checked strictly first
// (strict_parse.h), and every usage error exits 64 with the subcommand's
// name in front of the message.
#include <grpc/support/log.h>

#include <CLI/CLI.hpp>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/run_command.h"
#include "clusterd/cli/strict_parse.h"
#include "clusterd/version.h"

int main(int argc, char** argv) {
  using namespace shoal::cli;
  // gRPC's own log lines never reach the terminal: every failure comes back
  // as a call's status, which `shoal` explains in its own words.
  gpr_set_log_function([](gpr_log_func_args*) {});
  CLI::App app{"shoal: run and manage WebAssembly processes on a Shoal cluster"};
  app.require_subcommand(1);
  app.set_version_flag("--version", shoal::VersionLine("shoal"),
                       "Print the version and git commit");
  int exit_code = kExitInternal;
  ClientOptions options;
  AddClientOptions(app, options);
  AddRunCommand(app, exit_code, options);
  AddNodesCommand(app, options, exit_code);
  AddPsCommand(app, options, exit_code);
  AddKillCommand(app, options, exit_code);
  AddLogsCommand(app, options, exit_code);
  AddWaitCommand(app, options, exit_code);
  AddMigrateCommand(app, options, exit_code);
  AddCheckpointCommand(app, options, exit_code);
  AddRestoreCommand(app, options, exit_code);
  AddDevicesCommand(app, options, exit_code);
  AddMountCommands(app, options, exit_code);
  AddEventsCommand(app, options, exit_code);
  AddCompletionCommand(app, exit_code);
  if (std::optional<UsageProblem> problem = CheckCommandLine(app, argc, argv)) {
    PrintUsageProblem(*problem);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version.
    PrintUsageProblem({FailingCommand(app), e.what()});
    return kExitUsage;
  }
  return exit_code;
}
