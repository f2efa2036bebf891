// Strict command-line parsing for `shoal`, on top of CLI11: what CLI11 lets
// through (an unknown subcommand reported as a missing one, an unknown
// option that `run` takes for the module, `-on` read as `-o n`, `-1` read
// into an unsigned pid as 18446744073709551615) is refused here as a usage
// error that names the word at fault.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace shoal::cli {

// Validators for numeric arguments: plain decimal digits that fit in 64
// bits, so signs, fractions and words are refused before conversion.
CLI::Validator WholeNumber();          // 0, 1, 2, ...
CLI::Validator PositiveWholeNumber();  // 1, 2, ... (pids)
// A non-negative decimal number of seconds (`1.5`), at most a year.
CLI::Validator Seconds();

// A command line `shoal` refuses, and the subcommand it concerns ("" for
// the root).
struct UsageProblem {
  std::string command;
  std::string message;
};

// Walks argv against the subcommands and options `root` defines, before
// CLI11 parses it: an unknown subcommand (listing the real ones), an
// unknown option (suggesting the nearest real one) and a long option
// written with one dash. Stops at `--` and at the first positional of a
// prefix command (`run`'s module: what follows is the program's).
std::optional<UsageProblem> CheckCommandLine(const CLI::App& root, int argc,
                                             const char* const* argv);

// The subcommand CLI11 was parsing when it failed ("" for the root).
std::string FailingCommand(const CLI::App& root);

// Prints "shoal COMMAND: MESSAGE (see shoal COMMAND --help)" to stderr.
void PrintUsageProblem(const UsageProblem& problem);

}  // namespace shoal::cli
