// `shoal migrate PID --to NODE`: moves a running process to another node,
// live, showing each stage and the summary (docs/migration.md).
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

// Large images take their time; the daemon bounds each step itself.
constexpr std::chrono::minutes kMigrateTimeout{5};

const char* StageName(pb::MigrateProgress::Stage stage) {
  switch (stage) {
    case pb::MigrateProgress::STAGE_FROZEN:
      return "frozen";
    case pb::MigrateProgress::STAGE_PREPARED:
      return "prepared";
    case pb::MigrateProgress::STAGE_COMMITTED:
      return "committed";
    default:
      return "?";
  }
}

}  // namespace

void AddMigrateCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand("migrate", "Move a running process to another node, live");
  auto pid = std::make_shared<uint64_t>(0);
  auto to = std::make_shared<std::string>();
  sub->add_option("PID", *pid, "Process id")->required();
  sub->add_option("--to", *to, "Destination node")->required();
  RunWithClient(sub, options, exit_code, [pid, to](Client& client) {
    pb::MigrateRequest request;
    request.set_pid(*pid);
    request.set_to_node(*to);
    std::unique_ptr<grpc::ClientContext> context = client.Context(kMigrateTimeout);
    auto reader = client.admin().Migrate(context.get(), request);
    pb::MigrateProgress progress;
    pb::MigrateSummary summary;
    while (reader->Read(&progress)) {
      if (progress.has_summary()) summary = progress.summary();
      if (!client.json()) {
        std::fprintf(stderr, "  %s (%llu bytes)\n", StageName(progress.stage()),
                     (unsigned long long)progress.image_bytes());
      }
    }
    grpc::Status status = reader->Finish();
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(summary);
    } else {
      std::printf("migrated %llu from %s to %s in %.1f ms (frozen %.1f ms, %llu bytes)\n",
                  (unsigned long long)summary.pid(), summary.from_node().c_str(),
                  summary.to_node().c_str(), summary.total_us() / 1000.0,
                  summary.freeze_us() / 1000.0, (unsigned long long)summary.image_bytes());
    }
    return 0;
  });
}

}  // namespace shoal::cli
