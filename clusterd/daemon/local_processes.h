// LocalProcesses: the admin calls about this node's own processes, as both
// services serve them: the Admin service for calls that land here, the Peer
// service for calls other nodes forward here. Allocates pids for spawns.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "clusterd/daemon/pid.h"
#include "clusterd/process_host.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

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

  // References must outlive this object. `remote` may be null: preopens of
  // other nodes are refused.
  LocalProcesses(std::string self, ProcessHost& host, PidAllocator& pids,
                 RemoteDirectories remote = nullptr)
      : self_(std::move(self)), host_(host), pids_(pids), remote_(std::move(remote)) {}

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
                    grpc::ServerWriter<shoal::admin::v1::LogChunk>* writer);

  const std::string& self() const { return self_; }

 private:
  const std::string self_;
  ProcessHost& host_;
  PidAllocator& pids_;
  const RemoteDirectories remote_;
};

}  // namespace shoal::clusterd
