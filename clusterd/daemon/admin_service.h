// AdminService: shoal.admin.v1.Admin. Every call is authenticated
// (AdminAuth), counted (Metrics), and answered for the whole cluster: calls
// about another node's processes are forwarded to it over the Peer service
// and its answer relayed, so a client needs only one endpoint.
#pragma once

#include "clusterd/daemon/directory.h"
#include "clusterd/daemon/event_log.h"
#include "clusterd/daemon/local_devices.h"
#include "clusterd/daemon/local_processes.h"
#include "clusterd/daemon/metrics.h"
#include "clusterd/daemon/peer_clients.h"
#include "clusterd/daemon/registry.h"
#include "clusterd/daemon/security.h"
#include "proto/admin.grpc.pb.h"
#include "proto/peer.grpc.pb.h"

namespace shoal::clusterd {

class AdminService final : public shoal::admin::v1::Admin::Service {
 public:
  struct Parts {
    AdminAuth& auth;
    Registry& registry;
    Directory& directory;
    LocalProcesses& local;
    LocalDevices& devices;
    PeerClients& peers;
    EventLog& events;
    Metrics& metrics;
    // Opens device `path` of node `node` (this one or another, over the
    // data plane) as a process there would, with `rights`: for previews.
    std::function<Result<kernel::HandleEntry>(const std::string& node, const std::string& path,
                                              kernel::Rights rights)>
        open_device;
  };
  explicit AdminService(Parts parts) : p_(parts) {}

  using Ctx = grpc::ServerContext;
  grpc::Status ListNodes(Ctx*, const shoal::admin::v1::ListNodesRequest*,
                         shoal::admin::v1::ListNodesResponse*) override;
  grpc::Status GetNode(Ctx*, const shoal::admin::v1::GetNodeRequest*,
                       shoal::admin::v1::Node*) override;
  grpc::Status ListProcesses(Ctx*, const shoal::admin::v1::ListProcessesRequest*,
                             shoal::admin::v1::ListProcessesResponse*) override;
  grpc::Status Spawn(Ctx*, const shoal::admin::v1::SpawnRequest*,
                     shoal::admin::v1::SpawnResponse*) override;
  grpc::Status Kill(Ctx*, const shoal::admin::v1::KillRequest*,
                    shoal::admin::v1::KillResponse*) override;
  grpc::Status Wait(Ctx*, const shoal::admin::v1::WaitRequest*,
                    shoal::admin::v1::WaitResponse*) override;
  grpc::Status Logs(Ctx*, const shoal::admin::v1::LogsRequest*,
                    grpc::ServerWriter<shoal::admin::v1::LogChunk>*) override;
  grpc::Status Migrate(Ctx*, const shoal::admin::v1::MigrateRequest*,
                       grpc::ServerWriter<shoal::admin::v1::MigrateProgress>*) override;
  grpc::Status Checkpoint(Ctx*, const shoal::admin::v1::CheckpointRequest*,
                          grpc::ServerWriter<shoal::admin::v1::ImageChunk>*) override;
  grpc::Status Restore(Ctx*, grpc::ServerReader<shoal::admin::v1::RestoreChunk>*,
                       shoal::admin::v1::SpawnResponse*) override;
  grpc::Status ListDevices(Ctx*, const shoal::admin::v1::ListDevicesRequest*,
                           shoal::admin::v1::ListDevicesResponse*) override;
  grpc::Status Mount(Ctx*, const shoal::admin::v1::MountRequest*,
                     shoal::admin::v1::MountResponse*) override;
  grpc::Status Unmount(Ctx*, const shoal::admin::v1::UnmountRequest*,
                       shoal::admin::v1::UnmountResponse*) override;
  grpc::Status Watch(Ctx*, const shoal::admin::v1::WatchRequest*,
                     grpc::ServerWriter<shoal::admin::v1::Event>*) override;
  grpc::Status WatchCamera(Ctx*, const shoal::admin::v1::WatchCameraRequest*,
                           grpc::ServerWriter<shoal::admin::v1::CameraFrame>*) override;

 private:
  // Admin.Migrate asked of the node `where` names.
  grpc::Status MigrateFrom(Ctx* context, const Location& where,
                           const shoal::admin::v1::MigrateRequest& request,
                           grpc::ServerWriter<shoal::admin::v1::MigrateProgress>* writer);
  // Admin.Wait asked of the node `where` names, locating the process again
  // while its host does not answer.
  grpc::Status WaitAt(Ctx* context, Location where, const shoal::admin::v1::WaitRequest& request,
                      shoal::admin::v1::WaitResponse* response);
  // One Logs stream from where the process is (or was).
  grpc::Status LogsFrom(Ctx* context, const Location& where,
                        const shoal::admin::v1::LogsRequest& request, const LogWriter& write);
  // Authenticates, runs `body`, counts the result.
  template <typename Body>
  grpc::Status Guard(Ctx* context, const char* method, Body body);
  // NOT_FOUND for a name no member has, listing the members' names.
  grpc::Status UnknownNode(const std::string& name) const;
  // The member called `name`, if it can take calls: NOT_FOUND for an
  // unknown name, UNAVAILABLE for a dead member.
  grpc::Status Reachable(const std::string& name, Member* member) const;
  bool IsUp(const std::string& name) const;
  // Where `pid` is: NOT_FOUND when no node knows it.
  grpc::Status Find(uint64_t pid, Location* where) const;
  // Runs `call` with where `pid` is. This node's view may lag a moment
  // behind a move (the heartbeats of both nodes tell it): when the node it
  // named answers NOT_FOUND, the process is located again and `call` run
  // again, for a few seconds at most. A pid no node knows is NOT_FOUND at once.
  grpc::Status AtProcess(Ctx* context, uint64_t pid,
                         const std::function<grpc::Status(const Location&)>& call);
  void ListAll(shoal::admin::v1::ListProcessesResponse* response);
  // Runs `here` when `node` is this node (or ""), else `there` on the
  // node's Peer stub with a forwarded context, relaying its answer:
  // NOT_FOUND / UNAVAILABLE for a node that is unknown or dead.
  using ForwardCall =
      std::function<grpc::Status(shoal::peer::v1::Peer::Stub& peer, grpc::ClientContext& forward)>;
  grpc::Status OnNode(Ctx* context, const std::string& node,
                      const std::function<grpc::Status()>& here, const ForwardCall& there);
  // ListDevices of every node (admin_devices.cc).
  void ListAllDevices(shoal::admin::v1::ListDevicesResponse* response);

  Parts p_;
};

template <typename Body>
grpc::Status AdminService::Guard(Ctx* context, const char* method, Body body) {
  grpc::Status status = p_.auth.Check(*context);
  if (status.ok()) status = body();
  p_.metrics.CountRpc("Admin", method, status.error_code());
  return status;
}

}  // namespace shoal::clusterd
