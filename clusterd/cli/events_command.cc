// `shoal events`: cluster events (membership changes and process starts and
// ends on any node, each with the node it came from), until interrupted (or
// --count events).
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/strict_parse.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

std::string KindName(pb::Event::Kind kind) {
  std::string name = pb::Event::Kind_Name(kind);  // "KIND_NODE_UP"
  if (name.rfind("KIND_", 0) == 0) name = name.substr(5);
  for (char& c : name) c = c == '_' ? ' ' : char(std::tolower(c));
  return name;
}

}  // namespace

void AddEventsCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand(
      "events", "Stream cluster events (nodes up, dead, processes) from every node");
  auto count = std::make_shared<uint64_t>(0);
  sub->add_option("--count", *count, "Exit after N events (0: run until interrupted)")
      ->check(WholeNumber());
  auto after = std::make_shared<uint64_t>(0);
  CLI::Option* after_option =
      sub->add_option("--after", *after,
                      "Resume: first the events after SEQ still held by the endpoint's node "
                      "(0: all it holds)")
          ->type_name("SEQ")
          ->check(WholeNumber());
  RunWithClient(sub, options, exit_code, [count, after, after_option](Client& client) {
    auto context = client.Context(std::nullopt);
    pb::WatchRequest request;
    if (after_option->count() > 0) request.set_after_seq(*after);
    auto reader = client.admin().Watch(context.get(), request);
    if (!client.json()) {
      // The server sends headers once the watch is in place: events from
      // here on are shown.
      reader->WaitForInitialMetadata();
      std::printf("%-6s  %-12s  %-17s  %s\n", "SEQ", "ORIGIN", "EVENT", "DETAILS");
      std::fflush(stdout);
    }
    pb::Event e;
    uint64_t seen = 0;
    while (reader->Read(&e)) {
      if (client.json()) {
        PrintJson(e);
      } else {
        std::string details = "node=" + e.node();
        if (e.pid() != 0) details += " pid=" + std::to_string(e.pid());
        if (e.has_exit() && e.kind() == pb::Event::KIND_PROCESS_EXITED) {
          details += " " + DescribeExit(e.exit());
        }
        if (e.kind() == pb::Event::KIND_PROCESS_MOVED) {
          char frozen[32];
          std::snprintf(frozen, sizeof frozen, "%.1fms", e.freeze_us() / 1000.0);
          details += " from=" + e.from_node() + " frozen=" + frozen;
        }
        std::printf("%-6llu  %-12s  %-17s  %s\n", static_cast<unsigned long long>(e.seq()),
                    e.origin().c_str(), KindName(e.kind()).c_str(), details.c_str());
      }
      std::fflush(stdout);
      if (*count != 0 && ++seen >= *count) {
        context->TryCancel();
        (void)reader->Finish();
        return 0;
      }
    }
    grpc::Status status = reader->Finish();
    return status.ok() ? 0 : client.Fail(status);
  });
}

}  // namespace shoal::cli
