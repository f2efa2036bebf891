// `shoal wait PID`: waits for a process to end and exits with its code.
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/strict_parse.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

void AddWaitCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand(
      "wait", "Wait for a process to end; exit with its exit code (80 if it was lost)");
  auto pid = std::make_shared<uint64_t>(0);
  auto timeout = std::make_shared<double>(0);
  AddPidArgument(sub, *pid);
  sub->add_option("--timeout", *timeout, "Give up after SECONDS (exit 75); 0: wait forever")
      ->type_name("SECONDS")
      ->check(Seconds());
  RunWithClient(sub, options, exit_code, [pid, timeout](Client& client) {
    pb::WaitRequest request;
    request.set_pid(*pid);
    pb::WaitResponse response;
    auto context = client.Context(
        *timeout > 0 ? std::optional(std::chrono::milliseconds(int64_t(*timeout * 1000)))
                     : std::nullopt);
    grpc::Status status = client.admin().Wait(context.get(), request, &response);
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && *timeout > 0) {
      std::fprintf(stderr, "shoal wait: timed out after %g s; process %llu has not ended\n",
                   *timeout, (unsigned long long)*pid);
      return kExitTimeout;
    }
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(response);
    } else {
      std::printf("%llu on %s: %s\n", (unsigned long long)*pid, response.node().c_str(),
                  DescribeExit(response.exit()).c_str());
    }
    return ExitCodeOf(response.exit());
  });
}

}  // namespace shoal::cli
