// `shoal run`: runs a WASI program in this process.
#pragma once

#include <CLI/CLI.hpp>

namespace shoal::cli {

// Adds the `run` subcommand to `app`. When it is chosen, parsing runs the
// program and stores the exit code for `shoal` in `exit_code`, which must
// outlive the parse.
void AddRunCommand(CLI::App& app, int& exit_code);

}  // namespace shoal::cli
