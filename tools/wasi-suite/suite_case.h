// One test of the official WASI test suite (WebAssembly/wasi-testsuite), as
// its README specifies a runner reads it: NAME.wasm and an optional NAME.json
// beside it holding args, env, root, exit_code, stdout and stderr.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/result.h"

namespace shoal::wasi_suite {

struct SuiteCase {
  std::string name;               // NAME, without .wasm.
  std::string wasm_path;          // The module, read in place.
  std::vector<std::string> args;  // After the program name.
  std::vector<std::string> env;   // "KEY=VALUE".
  // The folder beside the test preopened as the guest's `/` (copied first);
  // empty when the test has none. It may be absent on disk (git keeps no
  // empty folder): the runner then preopens an empty one.
  std::string root;
  int exit_code = 0;
  std::optional<std::string> stdout_text;  // Checked only when given.
  std::optional<std::string> stderr_text;
};

// Parses the text of NAME.json for the test `name` in `dir`. An empty text
// means the file is missing: every field takes its default. Errors:
// kMalformed for text that is not JSON or a field of the wrong type,
// kNotSupported for the newer `operations` form, which this suite's prebuilt
// tests never use.
Result<SuiteCase> ParseSuiteCase(const std::string& dir, const std::string& name,
                                 std::string_view json_text);

// Every test of suite directory `dir` (each NAME.wasm, by name), with its
// NAME.json read. Errors: kNotFound when `dir` holds no .wasm, kIoError when
// it cannot be read, and ParseSuiteCase's.
Result<std::vector<SuiteCase>> LoadSuiteDir(const std::string& dir);

}  // namespace shoal::wasi_suite
