// Exit codes of the `shoal` command (documented in docs/cli.md). A program
// run with `shoal run` exits with its own code; these are for failures of
// `shoal` itself, chosen from the BSD sysexits range so they rarely collide
// with what small programs return.
#pragma once

namespace shoal::cli {

inline constexpr int kExitUsage = 64;        // Bad command line (EX_USAGE).
inline constexpr int kExitBadModule = 65;    // Malformed or invalid module (EX_DATAERR).
inline constexpr int kExitNoInput = 66;      // Module file missing or unreadable (EX_NOINPUT).
inline constexpr int kExitLinkError = 67;    // Imports Shoal cannot provide, or no _start.
inline constexpr int kExitNoDirectory = 68;  // A --dir host directory cannot be opened.
inline constexpr int kExitInternal = 70;     // Anything else (EX_SOFTWARE).
// From the program's run (kernel/wasi/run_main.h): 134 trap, 124 out of fuel.

}  // namespace shoal::cli
