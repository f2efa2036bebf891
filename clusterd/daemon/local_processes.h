// LocalProcesses: the admin calls about this node's own processes, as both
// services serve them: the Admin service for calls that land here, the Peer
// service for calls other nodes forward here. Allocates pids for spawns.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "clusterd/daemon/pid.h"
#include "clusterd/process_host.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

class LocalProcesses {
 public:
  // References must outlive this object.
  LocalProcesses(std::string self, ProcessHost& host, PidAllocator& pids)
      : self_(std::move(self)), host_(host), pids_(pids) {}

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
};

}  // namespace shoal::clusterd
