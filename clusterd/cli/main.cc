// The `shoal` command-line client. Each subcommand lives in its own file
// (run_command.cc, ...) and registers itself on the root app here; the one
// the user picks runs from its parse callback and sets the exit code.
#include <CLI/CLI.hpp>

#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/run_command.h"

int main(int argc, char** argv) {
  CLI::App app{"shoal: run and manage WebAssembly processes on a Shoal cluster"};
  app.require_subcommand(1);
  int exit_code = shoal::cli::kExitInternal;
  shoal::cli::AddRunCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help arrives as a ParseError whose exit code is 0.
    int code = app.exit(e);
    return code == 0 ? 0 : shoal::cli::kExitUsage;
  }
  return exit_code;
}
