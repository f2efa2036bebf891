// shoal-wasi-suite: runs the official WASI preview1 test suite under Shoal.
//
//   shoal-wasi-suite [--limit SECONDS] SUITE_DIR...
//
// Each SUITE_DIR is one folder of the suite (c/, rust/, assemblyscript/).
// Each test is a process of one Kernel, as `shoal run` runs a program on a
// node.
// Prints one line per failing test with its reason and a final
// "N passed, M failed"; exits 0 only if nothing failed. A folder that cannot
// be read counts as one failure.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernel/abi/link.h"
#include "kernel/proc/kernel.h"
#include "tools/wasi-suite/kernel_host.h"
#include "tools/wasi-suite/suite_case.h"
#include "tools/wasi-suite/suite_runner.h"

namespace {

constexpr char kUsage[] =
    "usage: shoal-wasi-suite [--limit SECONDS] SUITE_DIR...\n"
    "\n"
    "Runs each NAME.wasm of the WASI test suite folders given, as the suite's\n"
    "README says: args, env, its root folder copied and preopened as /, the\n"
    "expected exit code and output. Each test is a process of a kernel, as\n"
    "`shoal run` runs it on a node.\n"
    "\n"
    "  --limit SECONDS  stop a test still running after this long (default 60)\n"
    "  -h, --help       show this help\n";

}  // namespace

int main(int argc, char** argv) {
  unsigned limit = 60;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "-h") == 0 || std::strcmp(arg, "--help") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (std::strcmp(arg, "--limit") == 0) {
      if (i + 1 >= argc || std::atoi(argv[i + 1]) <= 0) {
        std::fputs("shoal-wasi-suite: --limit needs a positive number of seconds\n", stderr);
        return 2;
      }
      limit = unsigned(std::atoi(argv[++i]));
    } else if (arg[0] == '-') {
      std::fprintf(stderr, "shoal-wasi-suite: unknown option %s\n%s", arg, kUsage);
      return 2;
    } else {
      dirs.emplace_back(arg);
    }
  }
  if (dirs.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  shoal::kernel::KernelOptions options;
  options.link_imports = shoal::kernel::abi::LinkProcessImports;
  auto kernel = shoal::kernel::Kernel::Create(options);
  if (!kernel.ok()) {
    std::fprintf(stderr, "shoal-wasi-suite: no kernel: %s\n", kernel.error().message.c_str());
    return 1;
  }
  shoal::wasi_suite::CaseHost host = shoal::wasi_suite::KernelHost(**kernel);

  unsigned passed = 0;
  unsigned failed = 0;
  for (const std::string& dir : dirs) {
    auto cases = shoal::wasi_suite::LoadSuiteDir(dir);
    if (!cases.ok()) {
      std::printf("%s: error: %s\n", dir.c_str(), cases.error().message.c_str());
      ++failed;
      continue;
    }
    for (const shoal::wasi_suite::SuiteCase& test : *cases) {
      shoal::wasi_suite::CaseOutcome outcome = shoal::wasi_suite::RunSuiteCase(test, host, limit);
      if (outcome.passed) {
        ++passed;
        continue;
      }
      ++failed;
      std::printf("FAIL %s: %s\n", test.wasm_path.c_str(), outcome.reason.c_str());
      std::fflush(stdout);
    }
  }
  std::printf("%u passed, %u failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
