// `shoal mount NODE:/dev/X PATH --on NODE` and `shoal umount PATH --on
// NODE`: a device of one node bound into another's namespace
// (docs/mounts.md).
#include <cstdio>

#include "clusterd/cli/cluster_commands.h"
#include "clusterd/cli/exit_codes.h"

namespace shoal::cli {

namespace pb = shoal::admin::v1;

namespace {

// A malformed source or target is a bad command line, not a bad module.
int Failed(Client& client, const grpc::Status& status) {
  int code = client.Fail(status);
  return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? kExitUsage : code;
}

}  // namespace

void AddMountCommands(CLI::App& app, ClientOptions& options, int& exit_code) {
  CLI::App* mount = app.add_subcommand(
      "mount",
      "Bind a node's device into another node's namespace: processes started there from now on "
      "open it as PATH, each open reaching the device's node");
  auto source = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  auto on = std::make_shared<std::string>();
  mount->add_option("SOURCE", *source, "NODE:/dev/PATH")->required();
  mount->add_option("TARGET", *target, "Path in the namespace of --on")->required();
  mount->add_option("--on", *on, "The node that mounts")->required();
  RunWithClient(mount, options, exit_code, [source, target, on](Client& client) {
    pb::MountRequest request;
    request.set_source(*source);
    request.set_target(*target);
    request.set_node(*on);
    pb::MountResponse response;
    grpc::Status status = client.admin().Mount(client.Context().get(), request, &response);
    if (!status.ok()) return Failed(client, status);
    std::printf("mounted %s at %s on %s\n", source->c_str(), target->c_str(), on->c_str());
    return 0;
  });

  CLI::App* umount = app.add_subcommand(
      "umount",
      "Remove a mount from a node's namespace: later opens fail, and what was opened through it "
      "reads as peer closed");
  auto utarget = std::make_shared<std::string>();
  auto uon = std::make_shared<std::string>();
  umount->add_option("TARGET", *utarget, "The mounted path")->required();
  umount->add_option("--on", *uon, "The node that mounted it")->required();
  RunWithClient(umount, options, exit_code, [utarget, uon](Client& client) {
    pb::UnmountRequest request;
    request.set_target(*utarget);
    request.set_node(*uon);
    pb::UnmountResponse response;
    grpc::Status status = client.admin().Unmount(client.Context().get(), request, &response);
    if (!status.ok()) return Failed(client, status);
    std::printf("unmounted %s on %s\n", utarget->c_str(), uon->c_str());
    return 0;
  });
}

}  // namespace shoal::cli
