#include "clusterd/cli/cluster_commands.h"

#include <cstdio>
#include <variant>

#include "clusterd/cli/exit_codes.h"
#include "clusterd/cli/strict_parse.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

void AddPidArgument(CLI::App* sub, uint64_t& pid) {
  sub->add_option("PID", pid, "Process id")->required()->check(PositiveWholeNumber());
}

void RunWithClient(CLI::App* sub, ClientOptions& options, int& exit_code,
                   std::function<int(Client&)> body) {
  // The connection options are the subcommand's own too, so its --help
  // shows them; given before the subcommand they still apply (fallthrough).
  AddClientOptions(*sub, options);
  sub->fallthrough();
  sub->callback([sub, &options, &exit_code, body] {
    auto connected = Client::Connect(options, sub->get_name().c_str());
    if (int* code = std::get_if<int>(&connected)) {
      exit_code = *code;
      return;
    }
    exit_code = body(*std::get<std::unique_ptr<Client>>(connected));
  });
}

int StreamLogs(Client& client, uint64_t pid, bool follow) {
  auto context =
      client.Context(follow ? std::nullopt : std::optional(std::chrono::milliseconds(30'000)));
  pb::LogsRequest request;
  request.set_pid(pid);
  request.set_follow(follow);
  auto reader = client.admin().Logs(context.get(), request);
  pb::LogChunk chunk;
  while (reader->Read(&chunk)) {
    if (client.json()) {
      PrintJson(chunk);
      std::fflush(stdout);
      continue;
    }
    FILE* out = chunk.stream() == pb::STREAM_KIND_STDERR ? stderr : stdout;
    std::fwrite(chunk.data().data(), 1, chunk.data().size(), out);
    std::fflush(out);
  }
  grpc::Status status = reader->Finish();
  return status.ok() ? 0 : client.Fail(status);
}

int ExitCodeOf(const pb::ExitStatus& exit) {
  return exit.kind() == pb::EXIT_KIND_LOST ? kExitLost : exit.code();
}

std::string DescribeExit(const pb::ExitStatus& exit) {
  switch (exit.kind()) {
    case pb::EXIT_KIND_RETURNED:
    case pb::EXIT_KIND_EXITED:
      return "exited " + std::to_string(exit.code());
    case pb::EXIT_KIND_TRAPPED:
      return "trapped (" + exit.message() + ")";
    case pb::EXIT_KIND_OUT_OF_FUEL:
      return "out of fuel";
    case pb::EXIT_KIND_KILLED:
      return "killed";
    case pb::EXIT_KIND_LOST:
      return "lost (" + exit.message() + ")";
    default:
      return "ended";
  }
}

}  // namespace shoal::cli
