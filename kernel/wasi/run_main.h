// RunWasiMain: runs a WASI command module (one that exports `_start`) to its
// end, the way `shoal run` does.
//
// Exit codes: the proc_exit code when the program calls it; 0 when `_start`
// returns; kTrapExitCode (134, like a native process killed by SIGABRT) when
// it traps, after writing "trap: <message>" to the process's stderr sink;
// kOutOfFuelExitCode (124, like timeout(1)) when the fuel limit runs out;
// kStoppedExitCode (137, like SIGKILL) when should_stop asked it to stop.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "kernel/base/result.h"
#include "kernel/wasi/wasi_process.h"

namespace shoal::wasi {

inline constexpr int kTrapExitCode = 134;
inline constexpr int kOutOfFuelExitCode = 124;
inline constexpr int kStoppedExitCode = 137;

struct RunOptions {
  // Total fuel the program may use (thread.h); UINT64_MAX is unlimited.
  uint64_t fuel = UINT64_MAX;
  // Fuel per Run() slice: how often the runner regains control.
  uint64_t slice = 50'000'000;
  // Asked between slices and while parked (at least every 100 ms); true
  // ends the run with RunEnd::kStopped. Called on the running thread. This
  // is how the daemon's interim process host kills a process until the
  // kernel's scheduler owns processes.
  std::function<bool()> should_stop;
};

// How the program ended.
enum class RunEnd : uint8_t { kReturned, kExited, kTrapped, kOutOfFuel, kStopped };

struct RunOutcome {
  RunEnd end = RunEnd::kReturned;
  int exit_code = 0;
  std::string trap_message;  // With kTrapped.
  uint64_t fuel_used = 0;
};

// Loads, links against WASI (`config`), instantiates and runs `module_bytes`.
// Parked calls (poll_oneoff sleeping, stdin waiting) are waited for here, on
// the calling thread. Errors (nothing ran): kMalformed / kInvalid from the
// decoder or validator, kNotFound / kIoError for a preopen, kLinkError for an
// unsupported import, kTrap for a failing instantiation, kNotFound when there
// is no `_start` function.
Result<RunOutcome> RunWasiMain(std::span<const uint8_t> module_bytes, WasiConfig config,
                               const RunOptions& options = {});

}  // namespace shoal::wasi
