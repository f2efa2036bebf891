#include "tools/wasi-suite/suite_runner.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "kernel/base/temp_dir.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::wasi_suite {
namespace {

namespace fs = std::filesystem;

// The suite's files are read-only where it is installed; the copy must be
// writable, as tests change their root. A root absent on disk (git keeps no
// empty folder) becomes an empty one.
std::string CopyRoot(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (fs::exists(from, ec)) {
    fs::copy(from, to, fs::copy_options::recursive, ec);
    if (ec) return "copying " + from + ": " + ec.message();
  }
  fs::create_directories(to, ec);
  if (ec) return "creating " + to + ": " + ec.message();
  for (auto it = fs::recursive_directory_iterator(to, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    fs::permissions(it->path(), fs::perms::owner_write, fs::perm_options::add, ec);
  }
  if (ec) return "making " + to + " writable: " + ec.message();
  return "";
}

std::string Quoted(const std::string& text) {
  constexpr size_t kMaxShown = 200;
  std::string shown = text.size() > kMaxShown ? text.substr(0, kMaxShown) + "..." : text;
  std::string out = "\"";
  for (char ch : shown) out += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  return out + "\"";
}

}  // namespace

CaseOutcome RunSuiteCase(const SuiteCase& test, const CaseHost& host, unsigned limit_seconds) {
  std::ifstream in(test.wasm_path, std::ios::binary);
  if (!in) return {false, "cannot read " + test.wasm_path};
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());

  testing::TempDir scratch;
  if (scratch.path().empty()) return {false, "cannot make a temp dir"};
  wasi::WasiConfig config;
  config.args.push_back(test.name + ".wasm");
  config.args.insert(config.args.end(), test.args.begin(), test.args.end());
  config.env = test.env;
  if (!test.root.empty()) {
    std::string root = scratch.Join("root");
    if (std::string error = CopyRoot(test.root, root); !error.empty()) return {false, error};
    config.preopens.push_back(wasi::Preopen{root, "/", {}});
  }
  auto out = std::make_shared<wasi::StringSink>();
  auto err = std::make_shared<wasi::StringSink>();
  config.stdout_sink = out;
  config.stderr_sink = err;

  Result<CaseRun> run = host(std::move(bytes), std::move(config), limit_seconds);
  if (!run.ok()) return {false, "did not run: " + run.error().message};
  if (run->stopped) return {false, "still running after " + std::to_string(limit_seconds) + " s"};
  if (run->exit_code != test.exit_code) {
    std::string why = "exit code " + std::to_string(run->exit_code) + ", expected " +
                      std::to_string(test.exit_code);
    if (!err->contents().empty()) why += "; stderr " + Quoted(err->contents());
    return {false, why};
  }
  if (test.stdout_text && out->contents() != *test.stdout_text) {
    return {false, "stdout " + Quoted(out->contents()) + ", expected " + Quoted(*test.stdout_text)};
  }
  if (test.stderr_text && err->contents() != *test.stderr_text) {
    return {false, "stderr " + Quoted(err->contents()) + ", expected " + Quoted(*test.stderr_text)};
  }
  return {true, ""};
}

}  // namespace shoal::wasi_suite
