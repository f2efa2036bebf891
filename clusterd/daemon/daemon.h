// Daemon: one shoald node, every part wired together. Several can run in
// one process (tests), as nothing here is global.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "clusterd/daemon/admin_service.h"
#include "clusterd/daemon/arrival_log.h"
#include "clusterd/daemon/config.h"
#include "clusterd/daemon/dashboard_server.h"
#include "clusterd/daemon/data_plane.h"
#include "clusterd/daemon/directory.h"
#include "clusterd/daemon/event_log.h"
#include "clusterd/daemon/heartbeat_registry.h"
#include "clusterd/daemon/kernel_process_host.h"
#include "clusterd/daemon/load_sampler.h"
#include "clusterd/daemon/local_devices.h"
#include "clusterd/daemon/local_processes.h"
#include "clusterd/daemon/metrics.h"
#include "clusterd/daemon/metrics_server.h"
#include "clusterd/daemon/migrator.h"
#include "clusterd/daemon/mounts.h"
#include "clusterd/daemon/peer_service.h"
#include "clusterd/daemon/pid.h"
#include "clusterd/daemon/security.h"
#include "rdev/node_devices.h"

namespace shoal::clusterd {

class Daemon {
 public:
  // Validates `config`, opens the data directory, loads credentials, binds
  // the Admin, Peer and metrics listeners and starts membership. Errors say
  // what to change (kInvalidArgs, kIoError).
  static Result<std::unique_ptr<Daemon>> Start(DaemonConfig config);
  // Stops the servers (ending open streams), membership and processes.
  ~Daemon();

  const std::string& admin_address() const { return admin_address_; }
  const std::string& peer_address() const { return peer_address_; }
  // "https://127.0.0.1:7700/"; empty without --dashboard-listen.
  std::string dashboard_url() const { return dashboard_ ? dashboard_->url() : ""; }
  // The data plane: peers' Node capabilities and their directories
  // (data_plane.h).
  DataPlane& data_plane() { return *data_plane_; }

 private:
  explicit Daemon(DaemonConfig config) : config_(std::move(config)) {}
  VoidResult Init();
  // Creates the --device backends and binds them, with the kernel's basic
  // devices, in the host kernel's root namespace.
  VoidResult AddDevices();
  shoal::peer::v1::MemberInfo SelfInfo() const;
  void OnProcess(const ProcessInfo& info);
  void OnMemberChange(const MemberChange& change);
  // Where member `name`'s data plane listens (DataPlaneOptions::resolve).
  // A process of this node moved away: the event.
  void OnMoved(const shoal::admin::v1::MigrateSummary& summary);
  // Whether move `move_id` of `pid` started the process on `node`, asked
  // over Peer.MoveOutcome; kShouldWait while it holds the pid prepared
  // (ask again), kPeerGone when it cannot be asked.
  Result<Migrator::Landed> LandedOn(const std::string& node, uint64_t pid, uint64_t move_id) const;
  // The answer to that question about this node (Peer.MoveOutcome).
  shoal::peer::v1::MoveOutcomeResponse::Outcome MoveOutcomeHere(uint64_t pid, uint64_t move_id);
  // What node `node` says of `pid`: the process as it lists it, if it does,
  // and whether it holds the pid prepared (a move's destination before its
  // commit). kPeerGone when the node cannot be asked.
  struct PidOnNode {
    std::optional<shoal::admin::v1::Process> process;
    bool pending = false;
  };
  Result<PidOnNode> PidOn(const std::string& node, uint64_t pid) const;
  // Whether `pid` runs here or on any member that is not dead, asking each
  // (heartbeats may not have told yet of a process that just started); a
  // member that cannot answer counts as running it. For restore, which may
  // keep an image's pid only when no process has it.
  bool RunsAnywhere(uint64_t pid) const;
  Result<std::string> DataAddressOf(const std::string& name) const;
  void RenderGauges(std::string& out) const;
  VoidResult StartDashboard(const Credentials& creds);
  // Device `path` of `node` (this one, or another over the data plane),
  // for camera previews (Admin.WatchCamera). Blocks; gRPC threads only.
  Result<kernel::HandleEntry> OpenDevice(const std::string& node, const std::string& path,
                                         kernel::Rights rights);

  DaemonConfig config_;
  std::string admin_address_;
  std::string peer_address_;
  std::string data_address_;
  uint64_t incarnation_ = 0;
  Metrics metrics_;
  mutable LoadSampler load_sampler_;  // SelfInfo() is const; the sampler keeps its window.
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<PidAllocator> pids_;
  std::unique_ptr<ArrivalLog> arrivals_;
  // Before the host: the kernel's root namespace binds its devices, and
  // the host goes first (~Daemon).
  std::unique_ptr<rdev::NodeDevices> devices_;
  std::unique_ptr<KernelProcessHost> host_;
  std::unique_ptr<DataPlane> data_plane_;
  std::unique_ptr<PeerClients> peers_;
  std::unique_ptr<HeartbeatRegistry> registry_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Migrator> migrator_;
  std::unique_ptr<LocalProcesses> local_;
  std::unique_ptr<Mounts> mounts_;
  std::unique_ptr<LocalDevices> local_devices_;
  std::unique_ptr<AdminAuth> auth_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<PeerService> peer_service_;
  std::unique_ptr<grpc::Server> admin_server_;
  std::unique_ptr<grpc::Server> peer_server_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<DashboardServer> dashboard_;
};

}  // namespace shoal::clusterd
