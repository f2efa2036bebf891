#include "clusterd/cli/run_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "clusterd/cli/client.h"
#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/strict_parse.h"
#include "kernel/abi/link.h"
#include "kernel/base/byte_size.h"
#include "kernel/proc/kernel.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::cli {
namespace {

struct RunArgs {
  std::vector<std::string> dirs;
  std::vector<std::string> env;
  uint64_t fuel = 0;   // 0: unlimited.
  std::string memory;  // --memory SIZE; empty: the kernel's default.
  std::string on;      // A cluster node; empty: run here.
  bool remote_path = false;
  bool follow = false;
  bool quiet = false;
};

// "HOST[:GUEST]": GUEST defaults to HOST, as in other WASI runtimes.
wasi::Preopen ParseDir(const std::string& spec) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos) return {spec, spec, {}};
  return {spec.substr(0, colon), spec.substr(colon + 1), {}};
}

// Runs the program as a process of a kernel started for this command, so it
// may spawn children and talk to them over channels (docs/abi.md). The
// command's exit code is the program's own; children still running when it
// ends are killed with the kernel.
int Run(const RunArgs& args, uint32_t page_cap, const std::vector<std::string>& command) {
  const std::string& path = command.front();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "shoal run: cannot read %s: %s\n", path.c_str(), std::strerror(errno));
    return kExitNoInput;
  }
  kernel::SpawnRequest request;
  request.module_bytes.assign(std::istreambuf_iterator<char>(file),
                              std::istreambuf_iterator<char>());
  request.args = command;
  request.env = args.env;
  for (const std::string& dir : args.dirs) request.preopens.push_back(ParseDir(dir));
  request.stdin_source = std::make_shared<wasi::HostFdSource>(0);
  request.stdout_mirror = std::make_shared<wasi::HostFdSink>(1);
  request.stderr_mirror = std::make_shared<wasi::HostFdSink>(2);
  if (args.fuel != 0) request.fuel_limit = args.fuel;
  request.page_cap = page_cap;

  kernel::KernelOptions options;
  options.link_imports = kernel::abi::LinkProcessImports;
  Result<std::unique_ptr<kernel::Kernel>> kernel = kernel::Kernel::Create(options);
  if (!kernel.ok()) {
    std::fprintf(stderr, "shoal run: cannot start the kernel: %s\n",
                 kernel.error().message.c_str());
    return kExitInternal;
  }
  Result<kernel::SpawnResult> spawned = (*kernel)->Spawn(std::move(request));
  if (!spawned.ok()) {
    std::fprintf(stderr, "shoal run: %s: %s\n", path.c_str(), spawned.error().message.c_str());
    return ExitCodeForFailure(admin::v1::Failure::SUBJECT_SPAWN, spawned.error().status);
  }
  Result<kernel::ExitStatus> status = (*kernel)->Wait(spawned->pid);
  if (!status.ok()) {
    std::fprintf(stderr, "shoal run: %s: %s\n", path.c_str(), status.error().message.c_str());
    return kExitInternal;
  }
  if (status->reason == kernel::ExitReason::kOutOfFuel) {
    std::fprintf(stderr, "shoal run: %s: out of fuel after %llu units\n", path.c_str(),
                 static_cast<unsigned long long>(status->fuel_used));
  }
  return status->code;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code, ClientOptions& cluster) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run =
      app.add_subcommand("run", "Run a WASI program (wasm32-wasi) as a process of a local kernel");
  run->footer(
      "Usage: shoal run [OPTIONS] MODULE.wasm [ARGS...]\n"
      "       shoal run --on NODE [--follow] [OPTIONS] MODULE.wasm [ARGS...]\n"
      "MODULE.wasm and every argument after it are passed to the program unchanged\n"
      "(argv[0] is MODULE.wasm), even ones that start with '-'. The exit code is the\n"
      "program's own; see docs/cli.md for the codes of shoal's own failures.\n"
      "With --on the program runs on a cluster node (shoal ps, logs, wait, kill).");
  run->add_option("--dir", args->dirs,
                  "Give the program HOST directory, visible as GUEST (default: HOST); with "
                  "--on, NODE:HOST[:GUEST] is a directory of node NODE")
      ->type_name("[NODE:]HOST[:GUEST]")
      ->allow_extra_args(false);  // One value per --dir, so the module is never eaten.
  run->add_option("--env", args->env, "Set an environment variable for the program")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  run->add_option("--fuel", args->fuel, "Stop the program after N units of fuel (0: no limit)")
      ->type_name("N")
      ->check(WholeNumber());
  run->add_option("--memory", args->memory,
                  "Cap the program's linear memory (64K, 256M, 2G; default 1G, at most 4G); a "
                  "module that starts with more is refused (exit 71), memory.grow past it fails")
      ->type_name("SIZE");
  // Here too, since everything after MODULE.wasm is the program's.
  AddClientOptions(*run, cluster);
  run->add_option("--on", args->on,
                  "Start it on this cluster node instead (prints its pid and returns)")
      ->type_name("NODE");
  run->add_flag("--remote-path", args->remote_path,
                "With --on: MODULE.wasm is a path on the node, not a local file");
  run->add_flag("-f,--follow", args->follow,
                "With --on: print its output until it ends and exit with its code");
  run->add_flag("-q,--quiet", args->quiet,
                "With --on: print only the pid, for scripts (PID=$(shoal run -q --on ...))");
  // Everything from the module on is the program's: stop parsing there.
  run->prefix_command();
  run->callback([run, args, &exit_code, &cluster] {
    std::vector<std::string> command = run->remaining();
    if (command.empty()) {
      std::fprintf(stderr, "shoal run: missing MODULE.wasm (see shoal run --help)\n");
      exit_code = kExitUsage;
      return;
    }
    uint64_t memory_bytes = 0;
    uint32_t page_cap = 0;
    if (!args->memory.empty()) {
      Result<uint64_t> bytes = ParseByteSize(args->memory);
      Result<uint32_t> cap = bytes.ok() ? kernel::MemoryCapPages(*bytes) : bytes.error();
      if (!cap.ok()) {
        std::fprintf(stderr, "shoal run: --memory: %s\n", cap.error().message.c_str());
        exit_code = kExitUsage;
        return;
      }
      memory_bytes = *bytes;
      page_cap = *cap;
    }
    if (!args->on.empty()) {
      exit_code =
          RunOnCluster(cluster, {args->on, command, args->env, args->dirs, args->fuel, memory_bytes,
                                 args->remote_path, args->follow, args->quiet});
      return;
    }
    if (args->remote_path || args->follow || args->quiet) {
      std::fprintf(stderr, "shoal run: --remote-path, --follow and --quiet need --on NODE\n");
      exit_code = kExitUsage;
      return;
    }
    exit_code = Run(*args, page_cap, command);
  });
}

}  // namespace shoal::cli
