// `shoal migrate PID --to NODE`: moves a running process to another node,
// live, showing each stage and the summary (docs/migration.md).
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/strict_parse.h"
#include "kernel/base/byte_size.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

// Large images take their time; the daemon bounds each step itself.
constexpr std::chrono::minutes kMigrateTimeout{5};

struct MigrateArgs {
  uint64_t pid = 0;
  std::string to;
  uint32_t max_freeze_ms = 0;
  bool stop_and_copy = false;
  bool postcopy = false;
};

// One line on stderr per stage; a pre-copy round shows what it sent, how
// fast the process wrote memory meanwhile and whether it was slowed.
void ShowProgress(const pb::MigrateProgress& progress) {
  switch (progress.stage()) {
    case pb::MigrateProgress::STAGE_COPYING: {
      std::string line = "  round " + std::to_string(progress.round()) + ": " +
                         FormatByteSizeRounded(progress.bytes_sent()) + " sent";
      if (progress.round_bytes() != 0) {
        line += ", this round " + FormatByteSizeRounded(progress.round_bytes());
      }
      if (progress.dirty_bytes_per_s() != 0) {
        line += ", dirtying " + FormatByteSizeRounded(progress.dirty_bytes_per_s()) + "/s";
      }
      if (progress.run_share_permille() != 0 && progress.run_share_permille() < 1000) {
        char share[32];
        std::snprintf(share, sizeof share, ", slowed to %.1f%%",
                      progress.run_share_permille() / 10.0);
        line += share;
      }
      std::fprintf(stderr, "%s\n", line.c_str());
      return;
    }
    case pb::MigrateProgress::STAGE_FROZEN:
      std::fprintf(stderr, "  frozen (image %s)\n",
                   FormatByteSizeRounded(progress.image_bytes()).c_str());
      return;
    case pb::MigrateProgress::STAGE_PREPARED:
      std::fprintf(stderr, "  prepared\n");
      return;
    case pb::MigrateProgress::STAGE_COMMITTED:
      std::fprintf(stderr, "  committed\n");
      return;
    case pb::MigrateProgress::STAGE_FETCHING:
      std::fprintf(stderr, "  running there; memory %s of %s sent\n",
                   FormatByteSizeRounded(progress.bytes_sent()).c_str(),
                   FormatByteSizeRounded(progress.memory_bytes()).c_str());
      return;
    default:
      return;
  }
}

}  // namespace

void AddMigrateCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand("migrate", "Move a running process to another node, live");
  auto args = std::make_shared<MigrateArgs>();
  AddPidArgument(sub, args->pid);
  sub->add_option("--to", args->to, "Destination node")->required();
  sub->add_option("--max-freeze-ms", args->max_freeze_ms,
                  "Refuse the move unless the process stands still at most this long "
                  "(it is slowed while its memory is copied if need be)")
      ->type_name("MS")
      ->check(WholeNumber());
  sub->add_flag("--stop-and-copy", args->stop_and_copy,
                "Freeze first and send the whole image, with no pre-copy rounds");
  sub->add_flag("--postcopy", args->postcopy,
                "Resume on the destination at once and send the memory after, the pages "
                "the process touches first fetched on demand (for very large memories; "
                "lost if the source node dies before the memory is all there)")
      ->excludes("--stop-and-copy")
      ->excludes("--max-freeze-ms");
  RunWithClient(sub, options, exit_code, [args](Client& client) {
    pb::MigrateRequest request;
    request.set_pid(args->pid);
    request.set_to_node(args->to);
    request.set_max_freeze_ms(args->max_freeze_ms);
    request.set_stop_and_copy(args->stop_and_copy);
    request.set_postcopy(args->postcopy);
    std::unique_ptr<grpc::ClientContext> context = client.Context(kMigrateTimeout);
    auto reader = client.admin().Migrate(context.get(), request);
    pb::MigrateProgress progress;
    pb::MigrateSummary summary;
    while (reader->Read(&progress)) {
      if (progress.has_summary()) summary = progress.summary();
      if (!client.json()) ShowProgress(progress);
    }
    grpc::Status status = reader->Finish();
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(summary);
    } else if (summary.postcopy()) {
      std::printf(
          "migrated %llu from %s to %s by post-copy: frozen %.1f ms, then its memory in "
          "%.1f ms (%llu pages fetched on demand), %s sent\n",
          (unsigned long long)summary.pid(), summary.from_node().c_str(), summary.to_node().c_str(),
          summary.freeze_us() / 1000.0, summary.fetch_us() / 1000.0,
          (unsigned long long)summary.demand_pages(),
          FormatByteSizeRounded(summary.bytes_sent()).c_str());
    } else {
      std::printf("migrated %llu from %s to %s in %.1f ms (frozen %.1f ms, %u rounds, %s sent)\n",
                  (unsigned long long)summary.pid(), summary.from_node().c_str(),
                  summary.to_node().c_str(), summary.total_us() / 1000.0,
                  summary.freeze_us() / 1000.0, summary.rounds(),
                  FormatByteSizeRounded(summary.bytes_sent()).c_str());
    }
    return 0;
  });
}

}  // namespace shoal::cli
