// Runs one test of the official WASI test suite under Shoal and checks its
// outcome, with the program run as `shoal run` runs it on a node: a process
// of a Kernel (kernel_host.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/wasi/wasi_process.h"
#include "tools/wasi-suite/suite_case.h"

namespace shoal::wasi_suite {

// How a run ended: its exit code, or stopped for running past the limit.
struct CaseRun {
  int exit_code = 0;
  bool stopped = false;
};

// Runs `module` with `config` (args, env, preopens and the output sinks) to
// its end, stopping it after `limit_seconds` of wall time. Errors: nothing
// ran (the module did not load, link or start).
using CaseHost = std::function<Result<CaseRun>(std::vector<uint8_t> module, wasi::WasiConfig config,
                                               unsigned limit_seconds)>;

struct CaseOutcome {
  bool passed = false;
  std::string reason;  // Why it failed; empty when it passed.
};

// Copies the test's root folder to a fresh temp dir (tests create and delete
// files there, and the suite is read in place, never changed), preopens the
// copy as `/`, runs the module on `host` with the test's args (after the
// program name NAME.wasm) and env, and compares the exit code and, when the
// test gives them, stdout and stderr. A run still going after
// `limit_seconds` fails, so one hung test cannot stall the suite.
CaseOutcome RunSuiteCase(const SuiteCase& test, const CaseHost& host, unsigned limit_seconds);

}  // namespace shoal::wasi_suite
