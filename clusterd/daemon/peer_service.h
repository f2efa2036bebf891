// PeerService: shoal.peer.v1.Peer, served to other nodes over mutual TLS.
#pragma once

#include "clusterd/daemon/directory.h"
#include "clusterd/daemon/heartbeat_registry.h"
#include "clusterd/daemon/local_processes.h"
#include "clusterd/daemon/metrics.h"
#include "proto/peer.grpc.pb.h"

namespace shoal::clusterd {

class PeerService final : public shoal::peer::v1::Peer::Service {
 public:
  // References must outlive the service.
  PeerService(HeartbeatRegistry& registry, Directory& directory, LocalProcesses& local,
              Metrics& metrics)
      : registry_(registry), directory_(directory), local_(local), metrics_(metrics) {}

  grpc::Status Heartbeat(grpc::ServerContext* context,
                         const shoal::peer::v1::HeartbeatRequest* request,
                         shoal::peer::v1::HeartbeatResponse* response) override;
  grpc::Status Locate(grpc::ServerContext* context, const shoal::peer::v1::LocateRequest* request,
                      shoal::peer::v1::LocateResponse* response) override;
  grpc::Status ListProcesses(grpc::ServerContext* context,
                             const shoal::admin::v1::ListProcessesRequest* request,
                             shoal::admin::v1::ListProcessesResponse* response) override;
  grpc::Status Spawn(grpc::ServerContext* context, const shoal::admin::v1::SpawnRequest* request,
                     shoal::admin::v1::SpawnResponse* response) override;
  grpc::Status Kill(grpc::ServerContext* context, const shoal::admin::v1::KillRequest* request,
                    shoal::admin::v1::KillResponse* response) override;
  grpc::Status Wait(grpc::ServerContext* context, const shoal::admin::v1::WaitRequest* request,
                    shoal::admin::v1::WaitResponse* response) override;
  grpc::Status Logs(grpc::ServerContext* context, const shoal::admin::v1::LogsRequest* request,
                    grpc::ServerWriter<shoal::admin::v1::LogChunk>* writer) override;

 private:
  grpc::Status Count(const char* method, grpc::Status status);

  HeartbeatRegistry& registry_;
  Directory& directory_;
  LocalProcesses& local_;
  Metrics& metrics_;
};

}  // namespace shoal::clusterd
