// shoald: the Shoal node daemon. Parses its configuration, starts a Daemon
// and runs until SIGINT or SIGTERM, then stops cleanly (exit 0).
#include <grpc/support/log.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "clusterd/daemon/config.h"
#include "clusterd/daemon/daemon.h"

namespace {

// gRPC's own log lines (a peer's failed TLS handshake, say) as records of
// the daemon's log, at the matching level, instead of raw lines on stderr.
void LogGrpcLine(gpr_log_func_args* args) {
  spdlog::level::level_enum level = args->severity == GPR_LOG_SEVERITY_ERROR ? spdlog::level::err
                                    : args->severity == GPR_LOG_SEVERITY_INFO
                                        ? spdlog::level::info
                                        : spdlog::level::debug;
  spdlog::log(level, "grpc: {} ({}:{})", args->message, args->file, args->line);
}

}  // namespace

int main(int argc, char** argv) {
  // Migrations and device streams build a message of a MiB or more per
  // batch. Above glibc's mmap threshold each would be a fresh mapping,
  // faulted in and zeroed page by page, then unmapped; kept in the heap,
  // the next batch reuses the same memory.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  shoal::clusterd::DaemonConfig config;
  if (std::optional<int> exit_code = shoal::clusterd::ParseCommandLine(argc, argv, config)) {
    return *exit_code;
  }
  spdlog::level::level_enum level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    std::fprintf(stderr, "shoald: unknown --log-level '%s'\n", config.log_level.c_str());
    return 64;
  }
  spdlog::set_level(level);
  // Structured: one key=value record per line, on stderr.
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l node=" + config.node_name + " msg=\"%v\"",
                      spdlog::pattern_time_type::utc);
  gpr_set_log_function(LogGrpcLine);

  // Signals are taken synchronously by sigwait below, not by handlers, so
  // every thread started from here on has them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto daemon = shoal::clusterd::Daemon::Start(config);
  if (!daemon.ok()) {
    std::fprintf(stderr, "shoald: %s\n", daemon.error().message.c_str());
    return daemon.error().status == shoal::Status::kInvalidArgs ? 64 : 1;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("signal {}: stopping", signal);
  daemon->reset();
  spdlog::info("stopped");
  return 0;
}
