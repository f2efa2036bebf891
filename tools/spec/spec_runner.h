// Runs WebAssembly spec-test scripts (.wast) against Shoal's VM.
//
// Each .wast is converted by wast2json; its commands then run in order
// against one vm::Store per file, with the "spectest" host module and every
// `register`ed module available for imports. Counting follows wabt's
// spectest-interp so the figures are comparable: every command except
// `register` counts once (a failed `register` counts as a failure), and an
// assert_malformed / assert_invalid of a text-format module passes without
// running, because wast2json has already rejected that text and a binary
// engine has nothing to run (docs/spec-tests.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "tools/spec/commands.h"

namespace shoal::spec {

struct SpecOptions {
  // Print each failure as it happens (with the command's line number) and the
  // spectest print calls.
  bool verbose = false;
  // The wast2json program; looked up in PATH when it has no slash.
  std::string wast2json = "wast2json";
};

// The outcome of one script.
struct FileResult {
  uint32_t passed = 0;
  uint32_t failed = 0;
  // One line per failure: "i32.wast:37: assert_return: ...".
  std::vector<std::string> failures;
};

// Converts and runs one .wast file. An Error means the file could not be run
// at all (wast2json failed, the JSON is malformed); failing commands are not
// Errors but counts in FileResult.
Result<FileResult> RunWastFile(const std::string& wast_path, const SpecOptions& options);

// Runs a JSON file that wast2json already wrote; module files are looked up
// beside it. `display_name` prefixes failure messages.
Result<FileResult> RunJsonFile(const std::string& json_path, const std::string& display_name,
                               const SpecOptions& options);

// Runs parsed commands; module files are read from `dir`.
FileResult RunCommands(const std::vector<Command>& commands, const std::string& dir,
                       const std::string& display_name, const SpecOptions& options);

}  // namespace shoal::spec
