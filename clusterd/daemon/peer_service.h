// PeerService: shoal.peer.v1.Peer, served to other nodes over mutual TLS.
// Every call is admitted first (Admit): the caller's certificate must name
// the node it claims to be (peer_identity.h), and calls other than
// Heartbeat (which is how a node joins) must come from a known member.
#pragma once

#include <chrono>
#include <functional>
#include <map>

#include "clusterd/daemon/directory.h"
#include "clusterd/daemon/event_log.h"
#include "clusterd/daemon/heartbeat_registry.h"
#include "clusterd/daemon/local_devices.h"
#include "clusterd/daemon/local_processes.h"
#include "clusterd/daemon/metrics.h"
#include "clusterd/daemon/peer_identity.h"
#include "kernel/base/thread_annotations.h"
#include "proto/peer.grpc.pb.h"

namespace shoal::clusterd {

class PeerService final : public shoal::peer::v1::Peer::Service {
 public:
  // References must outlive the service.
  PeerService(HeartbeatRegistry& registry, Directory& directory, LocalProcesses& local,
              LocalDevices& devices, EventLog& events, Metrics& metrics, PeerIdentityCheck identity)
      : registry_(registry),
        directory_(directory),
        local_(local),
        devices_(devices),
        events_(events),
        metrics_(metrics),
        identity_(identity) {}

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
  grpc::Status Migrate(grpc::ServerContext* context,
                       const shoal::admin::v1::MigrateRequest* request,
                       grpc::ServerWriter<shoal::admin::v1::MigrateProgress>* writer) override;
  grpc::Status Checkpoint(grpc::ServerContext* context,
                          const shoal::admin::v1::CheckpointRequest* request,
                          grpc::ServerWriter<shoal::admin::v1::ImageChunk>* writer) override;
  grpc::Status Restore(grpc::ServerContext* context,
                       grpc::ServerReader<shoal::admin::v1::RestoreChunk>* reader,
                       shoal::admin::v1::SpawnResponse* response) override;
  grpc::Status MoveOutcome(grpc::ServerContext* context,
                           const shoal::peer::v1::MoveOutcomeRequest* request,
                           shoal::peer::v1::MoveOutcomeResponse* response) override;
  grpc::Status ListDevices(grpc::ServerContext* context,
                           const shoal::admin::v1::ListDevicesRequest* request,
                           shoal::admin::v1::ListDevicesResponse* response) override;
  grpc::Status Mount(grpc::ServerContext* context, const shoal::admin::v1::MountRequest* request,
                     shoal::admin::v1::MountResponse* response) override;
  grpc::Status Unmount(grpc::ServerContext* context,
                       const shoal::admin::v1::UnmountRequest* request,
                       shoal::admin::v1::UnmountResponse* response) override;

  // What MoveOutcome answers (the daemon's record of the moves it took);
  // before it is set, OUTCOME_UNSPECIFIED. Set before the server starts.
  using MoveOutcomes =
      std::function<shoal::peer::v1::MoveOutcomeResponse::Outcome(uint64_t pid, uint64_t move_id)>;
  void SetMoveOutcomes(MoveOutcomes outcomes) { move_outcomes_ = std::move(outcomes); }

 private:
  // Whether a call from `context` may run: the "shoal-node" metadata must
  // name a node the certificate proves (and equal `heartbeat_from` for a
  // heartbeat, which is null otherwise); other calls must come from a known
  // member. PERMISSION_DENIED, logged, otherwise.
  grpc::Status Admit(const grpc::ServerContext& context, const std::string* heartbeat_from) const;
  // Admits, runs `body`, counts the result.
  template <typename Body>
  grpc::Status Guard(grpc::ServerContext* context, const char* method, Body body);

  // Logs a refused call, each distinct message at most every 10 s (a
  // refused node retries every heartbeat).
  void LogRefusal(const grpc::ServerContext& context, const std::string& message) const;

  HeartbeatRegistry& registry_;
  Directory& directory_;
  LocalProcesses& local_;
  LocalDevices& devices_;
  EventLog& events_;
  Metrics& metrics_;
  const PeerIdentityCheck identity_;
  MoveOutcomes move_outcomes_;
  mutable Mutex log_mu_;
  mutable std::map<std::string, std::chrono::steady_clock::time_point> logged_ GUARDED_BY(log_mu_);
};

}  // namespace shoal::clusterd
