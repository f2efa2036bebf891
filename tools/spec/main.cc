// shoal-spec: runs WebAssembly spec-test scripts against Shoal's VM.
//
//   shoal-spec [-v] [--wast2json PATH] FILE.wast...
//
// Prints one line per file and a final "N passed, M failed"; exits 0 only if
// nothing failed. A file that cannot be run at all counts as one failure.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/spec/spec_runner.h"

namespace {

constexpr char kUsage[] =
    "usage: shoal-spec [-v] [--wast2json PATH] FILE.wast...\n"
    "\n"
    "Runs WebAssembly spec-test scripts against Shoal's VM. Each file is\n"
    "converted with wabt's wast2json and its commands are run in order.\n"
    "\n"
    "  -v               print each failure with its line number, and notes\n"
    "                   on error texts that differ from the test's\n"
    "  --wast2json PATH the wast2json program (default: wast2json in PATH)\n"
    "  -h, --help       show this help\n";

}  // namespace

int main(int argc, char** argv) {
  shoal::spec::SpecOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "-h") == 0 || std::strcmp(arg, "--help") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (std::strcmp(arg, "-v") == 0) {
      options.verbose = true;
    } else if (std::strcmp(arg, "--wast2json") == 0) {
      if (i + 1 >= argc) {
        std::fputs("shoal-spec: --wast2json needs a path\n", stderr);
        return 2;
      }
      options.wast2json = argv[++i];
    } else if (arg[0] == '-' && arg[1] != '\0') {
      std::fprintf(stderr, "shoal-spec: unknown option %s\n%s", arg, kUsage);
      return 2;
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  uint64_t passed = 0;
  uint64_t failed = 0;
  for (const std::string& file : files) {
    auto result = shoal::spec::RunWastFile(file, options);
    if (!result.ok()) {
      std::printf("%s: error: %s\n", file.c_str(), result.error().message.c_str());
      ++failed;
      continue;
    }
    size_t slash = file.rfind('/');
    std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
    std::printf("%s: %u passed, %u failed\n", name.c_str(), result->passed, result->failed);
    std::fflush(stdout);
    passed += result->passed;
    failed += result->failed;
  }
  std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(passed),
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}
