// Runs one test of the official WASI test suite under Shoal, the way
// `shoal run` runs a program (wasi::RunWasiMain), and checks its outcome.
#pragma once

#include <string>

#include "tools/wasi-suite/suite_case.h"

namespace shoal::wasi_suite {

struct CaseOutcome {
  bool passed = false;
  std::string reason;  // Why it failed; empty when it passed.
};

// Copies the test's root folder to a fresh temp dir (tests create and delete
// files there, and the suite is read in place, never changed), preopens the
// copy as `/`, runs the module with the test's args (after the program name
// NAME.wasm) and env, and compares the exit code and, when the test gives
// them, stdout and stderr. A run still going after `limit_seconds` of wall
// time is stopped and fails, so one hung test cannot stall the suite.
CaseOutcome RunSuiteCase(const SuiteCase& test, unsigned limit_seconds);

}  // namespace shoal::wasi_suite
