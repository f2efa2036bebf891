// `shoal checkpoint PID --file FILE [--stop]` and `shoal restore FILE [--on
// NODE]`: a process's image to a file and back (docs/migration.md).
#include <cstdio>
#include <fstream>
#include <iterator>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/exit_codes.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

// Images can be large: the calls get as long as they need.
constexpr std::chrono::minutes kImageTimeout{10};

}  // namespace

void AddCheckpointCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand(
      "checkpoint", "Write a running process's image to a file (it runs on unless --stop)");
  auto pid = std::make_shared<uint64_t>(0);
  auto file = std::make_shared<std::string>();
  auto stop = std::make_shared<bool>(false);
  AddPidArgument(sub, *pid);
  sub->add_option("--file,-f", *file, "Image file to write")->required();
  sub->add_flag("--stop", *stop, "End the process once its image is taken");
  RunWithClient(sub, options, exit_code, [pid, file, stop](Client& client) {
    pb::CheckpointRequest request;
    request.set_pid(*pid);
    request.set_stop(*stop);
    // Written beside the target and renamed at the end: a failed checkpoint
    // never leaves a partial image under the name asked for.
    std::string partial = *file + ".partial";
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) {
      std::fprintf(stderr, "shoal checkpoint: cannot write %s\n", partial.c_str());
      return kExitNoInput;
    }
    std::unique_ptr<grpc::ClientContext> context = client.Context(kImageTimeout);
    auto reader = client.admin().Checkpoint(context.get(), request);
    pb::ImageChunk chunk;
    uint64_t bytes = 0;
    while (reader->Read(&chunk)) {
      out.write(chunk.data().data(), std::streamsize(chunk.data().size()));
      bytes += chunk.data().size();
    }
    grpc::Status status = reader->Finish();
    out.close();
    if (!status.ok()) {
      std::remove(partial.c_str());
      return client.Fail(status);
    }
    if (!out || std::rename(partial.c_str(), file->c_str()) != 0) {
      std::remove(partial.c_str());
      std::fprintf(stderr, "shoal checkpoint: cannot write %s\n", file->c_str());
      return kExitNoInput;
    }
    if (client.json()) {
      std::printf("{\"pid\":\"%llu\",\"file\":\"%s\",\"bytes\":\"%llu\",\"stopped\":%s}\n",
                  (unsigned long long)*pid, file->c_str(), (unsigned long long)bytes,
                  *stop ? "true" : "false");
    } else {
      std::printf("checkpointed %llu to %s (%llu bytes)%s\n", (unsigned long long)*pid,
                  file->c_str(), (unsigned long long)bytes, *stop ? "; it is stopped" : "");
    }
    return 0;
  });
}

void AddRestoreCommand(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* sub = app.add_subcommand(
      "restore", "Start a process from an image file (it keeps its pid if the original is gone)");
  auto file = std::make_shared<std::string>();
  auto node = std::make_shared<std::string>();
  sub->add_option("FILE", *file, "Image file written by `shoal checkpoint`")->required();
  sub->add_option("--on", *node, "Node to start it on (default: the node you talk to)");
  RunWithClient(sub, options, exit_code, [file, node](Client& client) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "shoal restore: cannot read %s\n", file->c_str());
      return kExitNoInput;
    }
    std::string image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::unique_ptr<grpc::ClientContext> context = client.Context(kImageTimeout);
    pb::SpawnResponse response;
    auto writer = client.admin().Restore(context.get(), &response);
    constexpr size_t kChunk = 1 << 20;
    size_t at = 0;
    do {
      pb::RestoreChunk chunk;
      if (at == 0) chunk.set_node(*node);
      chunk.set_data(image.substr(at, kChunk));
      if (!writer->Write(chunk)) break;
      at += kChunk;
    } while (at < image.size());
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) return client.Fail(status);
    if (client.json()) {
      PrintJson(response);
    } else {
      std::printf("restored %s as %llu on %s\n", file->c_str(), (unsigned long long)response.pid(),
                  response.node().c_str());
    }
    return 0;
  });
}

}  // namespace shoal::cli
