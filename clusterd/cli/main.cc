// The `shoal` command-line client. Each subcommand lives in its own file
// (run_command.cc, nodes_command.cc, ...) and registers itself on the root
// app here; the one the user picks runs from its parse callback and sets
// the exit code.
#include <CLI/CLI.hpp>

#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/run_command.h"
#ifdef SHOAL_CLI_CLUSTER
#include "clusterd/cli/cluster_commands.h"
#endif

int main(int argc, char** argv) {
  CLI::App app{"shoal: run and manage WebAssembly processes on a Shoal cluster"};
  app.require_subcommand(1);
  int exit_code = shoal::cli::kExitInternal;
#ifdef SHOAL_CLI_CLUSTER
  shoal::cli::ClientOptions options;
  shoal::cli::AddClientOptions(app, options);
  shoal::cli::AddRunCommand(app, exit_code, &options);
  shoal::cli::AddNodesCommand(app, options, exit_code);
  shoal::cli::AddPsCommand(app, options, exit_code);
  shoal::cli::AddKillCommand(app, options, exit_code);
  shoal::cli::AddLogsCommand(app, options, exit_code);
  shoal::cli::AddWaitCommand(app, options, exit_code);
  shoal::cli::AddMigrateCommand(app, options, exit_code);
  shoal::cli::AddCheckpointCommand(app, options, exit_code);
  shoal::cli::AddRestoreCommand(app, options, exit_code);
  shoal::cli::AddDevicesCommand(app, options, exit_code);
  shoal::cli::AddMountCommands(app, options, exit_code);
  shoal::cli::AddEventsCommand(app, options, exit_code);
#else
  shoal::cli::AddRunCommand(app, exit_code, nullptr);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help arrives as a ParseError whose exit code is 0.
    int code = app.exit(e);
    return code == 0 ? 0 : shoal::cli::kExitUsage;
  }
  return exit_code;
}
