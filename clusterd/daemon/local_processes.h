// LocalProcesses: the admin calls about this node's own processes, as both
// services serve them: the Admin service for calls that land here, the Peer
// service for calls other nodes forward here. Allocates pids for spawns.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/sync_stream.h>

#include <functional>
#include <span>
#include <string>

#include "clusterd/daemon/pid.h"
#include "clusterd/process_host.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

// Reads a Restore call's stream: the node the first chunk names (when
// `node` is not null) and the image bytes. INVALID_ARGUMENT past
// kMaxImageBytes.
inline constexpr uint64_t kMaxImageBytes = uint64_t{5} << 30;
grpc::Status ReadImage(grpc::ServerReaderInterface<shoal::admin::v1::RestoreChunk>& reader,
                       std::string* node, std::string* image);

class Migrator;

// Where a Logs stream's chunks go; false: the client went away.
using LogWriter = std::function<bool(const shoal::admin::v1::LogChunk& chunk)>;

class LocalProcesses {
 public:
  // Opens directory `path` of another node for a preopen, waiting at most
  // until `deadline` (the daemon: DataPlane::OpenDirectory).
  using RemoteDirectories = std::function<Result<kernel::HandleEntry>(
      const std::string& node, const std::string& path, Deadline deadline)>;
  // What a preopened directory of another node may do: what a local --dir
  // allows (read, write, and hand it on).
  static constexpr kernel::Rights kPreopenRights =
      kernel::Rights::kRead | kernel::Rights::kWrite | kernel::Rights::kDuplicate |
      kernel::Rights::kTransfer | kernel::Rights::kWait;
  // How long a Spawn waits for another node to open a directory.
  static constexpr std::chrono::seconds kRemoteDirectoryTimeout{10};

  // Whether a process with this pid runs anywhere in the cluster (the
  // daemon: Daemon::RunsAnywhere, which asks every member).
  using PidRunning = std::function<bool(uint64_t pid)>;

  // References must outlive this object. `remote` may be null: preopens of
  // other nodes are refused. `running` may be null: only this node's
  // processes are checked.
  LocalProcesses(std::string self, ProcessHost& host, PidAllocator& pids,
                 RemoteDirectories remote = nullptr, PidRunning running = nullptr)
      : self_(std::move(self)),
        host_(host),
        pids_(pids),
        remote_(std::move(remote)),
        running_(std::move(running)) {}

  // Starts a process here. A preopen naming another node opens that node's
  // directory first (at most kRemoteDirectoryTimeout each, on this gRPC
  // thread); its failure fails the Spawn, saying which node and path.
  grpc::Status Spawn(const shoal::admin::v1::SpawnRequest& request,
                     shoal::admin::v1::SpawnResponse* response);
  void List(shoal::admin::v1::ListProcessesResponse* response) const;
  grpc::Status Kill(uint64_t pid, shoal::admin::v1::KillResponse* response);
  // Waits until the process ends, the call's deadline passes or the client
  // cancels.
  grpc::Status Wait(grpc::ServerContext* context, uint64_t pid,
                    shoal::admin::v1::WaitResponse* response);
  // Streams console output; with follow, until the process ends or the
  // client cancels.
  grpc::Status Logs(grpc::ServerContext* context, const shoal::admin::v1::LogsRequest& request,
                    const LogWriter& write);

  // Streams the image of process `pid` (Admin.Checkpoint), in chunks.
  grpc::Status Checkpoint(const shoal::admin::v1::CheckpointRequest& request,
                          grpc::ServerWriter<shoal::admin::v1::ImageChunk>* writer);
  // Starts a process from `image` here (Admin.Restore): with the image's pid
  // unless a process with it still runs, else with a new one.
  grpc::Status Restore(std::span<const uint8_t> image, shoal::admin::v1::SpawnResponse* response);

  // Moves process `pid` (running here) to another node (Admin.Migrate),
  // streaming its stages. FAILED_PRECONDITION without a migrator.
  grpc::Status Migrate(const shoal::admin::v1::MigrateRequest& request,
                       grpc::ServerWriter<shoal::admin::v1::MigrateProgress>* writer);
  // Where Migrate goes; set once before serving.
  void SetMigrator(Migrator* migrator) { migrator_ = migrator; }

  const std::string& self() const { return self_; }

 private:
  const std::string self_;
  ProcessHost& host_;
  PidAllocator& pids_;
  const RemoteDirectories remote_;
  const PidRunning running_;
  Migrator* migrator_ = nullptr;
};

}  // namespace shoal::clusterd
