// The subcommands that talk to a cluster (one file each: nodes_command.cc,
// ps_command.cc, ...). Each adds itself to the root app; when chosen, it
// connects with `options` and stores shoal's exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "clusterd/cli/client.h"

namespace shoal::cli {

void AddNodesCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddPsCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddKillCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddLogsCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddWaitCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddMigrateCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddCheckpointCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddRestoreCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddDevicesCommand(CLI::App& app, ClientOptions& options, int& exit_code);
void AddMountCommands(CLI::App& app, ClientOptions& options, int& exit_code);
void AddEventsCommand(CLI::App& app, ClientOptions& options, int& exit_code);
// `completion bash|zsh`; add it last, as it lists the others.
void AddCompletionCommand(CLI::App& app, int& exit_code);

// Adds the required PID argument (a whole number of 1 or more).
void AddPidArgument(CLI::App* sub, uint64_t& pid);

// Makes `sub`'s callback connect and run `body`, whose result is the exit
// code.
void RunWithClient(CLI::App* sub, ClientOptions& options, int& exit_code,
                   std::function<int(Client&)> body);

// Streams a process's console output to stdout/stderr from `offset`;
// returns 0 or the failure's exit code (after printing it).
int StreamLogs(Client& client, uint64_t pid, bool follow);

// The exit code `shoal` reports for a process's end.
int ExitCodeOf(const shoal::admin::v1::ExitStatus& exit);
std::string DescribeExit(const shoal::admin::v1::ExitStatus& exit);

}  // namespace shoal::cli
