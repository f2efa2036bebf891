#include "clusterd/daemon/daemon.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "clusterd/daemon/fault_points.h"
#include "clusterd/daemon/node_server.h"
#include "clusterd/daemon/nodes_provider.h"
#include "clusterd/daemon/proto_convert.h"

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;
namespace peerpb = shoal::peer::v1;

constexpr int kMaxMessageBytes = 256 << 20;

// Builds and starts a server on `address` (port 0 picks one); returns the
// bound address in `bound`.
std::unique_ptr<grpc::Server> Serve(const std::string& address,
                                    std::shared_ptr<grpc::ServerCredentials> creds,
                                    grpc::Service* service, std::string* bound) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, std::move(creds), &port);
  // Modules arrive in Spawn requests: allow more than gRPC's 4 MiB default.
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) return nullptr;
  *bound = address.substr(0, address.rfind(':') + 1) + std::to_string(port);
  return server;
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::Start(DaemonConfig config) {
  TRY(ValidateConfig(config));
  for (const std::string& spec : config.faults) TRY(fault::Arm(spec));
  std::unique_ptr<Daemon> daemon(new Daemon(std::move(config)));
  TRY(daemon->Init());
  return daemon;
}

VoidResult Daemon::Init() {
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    return MakeError(Status::kIoError,
                     "cannot create data dir " + config_.data_dir + ": " + ec.message());
  }
  Credentials creds = TRY(LoadCredentials(config_));
  if (config_.insecure_dev) {
    spdlog::warn("--insecure-dev: no TLS{} on loopback; never use this outside development",
                 creds.token.empty() ? " and no token" : "");
  }
  incarnation_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  events_ = std::make_unique<EventLog>(config_.node_name);
  pids_ = TRY(PidAllocator::Create(config_.node_id, config_.data_dir));
  arrivals_ = TRY(ArrivalLog::Open(config_.data_dir));
  KernelProcessHostOptions host_options;
  host_options.console_retain_bytes = size_t(config_.console_retain_bytes);
  host_options.max_ended_retained = size_t(config_.ended_retained);
  host_options.workers = config_.workers;
  // Children guests spawn get cluster-wide pids too. Next() runs on a kernel
  // worker then; once per 1024 pids it persists a reservation (fsync), a
  // short block of that worker. TODO(pid): reserve ahead off the workers.
  host_options.allocate_pid = [pids = pids_.get()] { return pids->Next(); };
  host_ = TRY(KernelProcessHost::Create(std::move(host_options)));
  host_->SetObserver([this](const ProcessInfo& info) { OnProcess(info); });
  TRY(AddDevices());

  // The data plane before membership: its bound address goes into
  // heartbeats. Peers reach it only once membership names it to them.
  DataPlaneOptions data;
  data.self = config_.node_name;
  data.listen = config_.data_listen;
  data.tls = creds.data_plane;
  data.resolve = [this](const std::string& name) { return DataAddressOf(name); };
  data.services.directories = HostDirectories(host_->file_io());
  // Peers open this node's devices in its root namespace, mounts
  // included (a mount of a mount reaches the first node).
  data.services.devices = [root = &host_->root_namespace()](const std::string& path,
                                                            kernel::Rights rights,
                                                            kernel::Provider::OpenDone done) {
    root->OpenAsync(path, rights, std::move(done));
  };
  data.services.spawner = host_->spawner();
  data.services.modules = &host_->modules();
  data.services.compile_module = [host = host_.get()](auto module) {
    return host->CompileAhead(std::move(module));
  };
  data.services.post_copy_hooks = host_->post_copy_hooks();
  data.services.migrations = RecordingArrivals(
      [this](ArrivingProcess arriving) {
        auto arrival = host_->Receive(std::move(arriving), 0, /*migrated=*/true);
        // Back where it once left: this node's record of that move is stale.
        if (arrival.ok() && directory_) directory_->ForgetMove((*arrival)->pid());
        return arrival;
      },
      *arrivals_);
  data_plane_ = TRY(DataPlane::Start(std::move(data)));
  fault::SetCut([this](const std::string& peer) {
    data_plane_->Disconnect(peer, "a fault point cut the connection with node " + peer);
  });
  data_address_ = config_.data_advertise.empty() ? data_plane_->address() : config_.data_advertise;
  // Every node of the cluster, this one included, as a spawner at
  // /nodes/NAME in every process's namespace.
  TRY(host_->root_namespace().Bind(
      "/nodes",
      std::make_shared<NodesProvider>(config_.node_name, host_->spawner(), *data_plane_)));

  // Mounts the daemon made before it stopped, bound again before
  // anything serves: processes spawned from now on see them.
  mounts_ =
      TRY(Mounts::Open(config_.data_dir, config_.node_name, host_->root_namespace(), *data_plane_));
  local_devices_ = std::make_unique<LocalDevices>(config_.node_name, *devices_, *mounts_);

  local_ = std::make_unique<LocalProcesses>(
      config_.node_name, *host_, *pids_,
      [this](const std::string& node, const std::string& path, Deadline deadline) {
        return data_plane_->OpenDirectory(node, path, LocalProcesses::kPreopenRights, deadline);
      },
      [this](uint64_t pid) { return RunsAnywhere(pid); });
  auth_ = std::make_unique<AdminAuth>(creds.token);
  peers_ = std::make_unique<PeerClients>(creds.peer_client, config_.node_name);
  PeerIdentityCheck identity =
      config_.insecure_dev ? PeerIdentityCheck::kNone : PeerIdentityCheck::kCertificate;

  // The Peer server first: its address goes into heartbeats.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  peer_address_ = config_.peer_advertise;
  admin_address_ = config_.admin_advertise;
  HeartbeatTimings timings{std::chrono::milliseconds(config_.heartbeat_ms),
                           std::chrono::milliseconds(config_.suspect_ms),
                           std::chrono::milliseconds(config_.dead_ms)};
  std::string peer_bound, admin_bound;
  // The registry needs the advertised peer address before the server binds
  // a port 0 listener, so ports must be fixed unless *_advertise is set.
  if (peer_address_.empty()) peer_address_ = config_.peer_listen;
  if (admin_address_.empty()) admin_address_ = config_.admin_listen;
  registry_ = std::make_unique<HeartbeatRegistry>([this] { return SelfInfo(); }, config_.peers,
                                                  timings, *peers_, *events_, metrics_, identity);
  directory_ = std::make_unique<Directory>(config_.node_name, *host_, *registry_, *peers_);
  registry_->SetListener([this](const MemberChange& c) { OnMemberChange(c); });
  migrator_ = std::make_unique<Migrator>(
      config_.node_name, *host_, *data_plane_, *directory_,
      [this](const std::string& node, uint64_t pid, uint64_t move_id) {
        return LandedOn(node, pid, move_id);
      },
      [this](const pb::MigrateSummary& summary) { OnMoved(summary); });
  local_->SetMigrator(migrator_.get());
  peer_service_ = std::make_unique<PeerService>(*registry_, *directory_, *local_, *local_devices_,
                                                *events_, metrics_, identity);
  peer_service_->SetMoveOutcomes(
      [this](uint64_t pid, uint64_t move_id) { return MoveOutcomeHere(pid, move_id); });
  admin_service_ = std::make_unique<AdminService>(AdminService::Parts{
      *auth_, *registry_, *directory_, *local_, *local_devices_, *peers_, *events_, metrics_,
      [this](const std::string& node, const std::string& path, kernel::Rights rights) {
        return OpenDevice(node, path, rights);
      }});

  peer_server_ = Serve(config_.peer_listen, creds.peer_server, peer_service_.get(), &peer_bound);
  if (!peer_server_) {
    return MakeError(Status::kIoError, "cannot listen on peer address " + config_.peer_listen);
  }
  admin_server_ =
      Serve(config_.admin_listen, creds.admin_server, admin_service_.get(), &admin_bound);
  if (!admin_server_) {
    return MakeError(Status::kIoError, "cannot listen on admin address " + config_.admin_listen);
  }
  // Nothing has read the admin address yet (membership starts below), so a
  // port 0 listener can advertise the port it got.
  if (config_.admin_advertise.empty()) admin_address_ = admin_bound;
  if (!config_.metrics_listen.empty()) {
    metrics_.SetGauges([this](std::string& out) { RenderGauges(out); });
    metrics_server_ = TRY(MetricsServer::Start(config_.metrics_listen, metrics_));
    spdlog::info("metrics on http://{}/metrics",
                 config_.metrics_listen.substr(0, config_.metrics_listen.rfind(':') + 1) +
                     std::to_string(metrics_server_->port()));
  }
  TRY(StartDashboard(creds));
  registry_->Start();
  spdlog::info("node {} (id {}) up: admin {} peer {} data {} {}", config_.node_name,
               config_.node_id, admin_bound, peer_bound, data_plane_->address(),
               config_.insecure_dev ? "(insecure-dev)" : "(TLS)");
  return Ok();
}

Daemon::~Daemon() {
  fault::SetCut(nullptr);
  // Its calls go through the Admin server: they end first.
  dashboard_.reset();
  // Streams (Logs -f, Watch) notice cancellation within their poll period.
  auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(2);
  if (admin_server_) admin_server_->Shutdown(deadline);
  if (peer_server_) peer_server_->Shutdown(deadline);
  if (registry_) registry_->Stop();
  // Moves still settling a lost commit hold frozen processes of the host.
  if (migrator_) migrator_->Stop();
  metrics_server_.reset();
  // Peers lose their connections (and the directories they opened here)
  // before the kernel whose file IO those use goes; the loop stays until
  // the processes, which may hold proxies, have ended.
  if (data_plane_) data_plane_->Close();
  host_.reset();  // Stops the kernel; what still runs ends killed.
  data_plane_.reset();
}

Result<kernel::HandleEntry> Daemon::OpenDevice(const std::string& node, const std::string& path,
                                               kernel::Rights rights) {
  if (node == config_.node_name) return host_->root_namespace().Open(path, rights);
  return Await<Result<kernel::HandleEntry>>([&](DataPlane::OpenDone done) {
    data_plane_->OpenDevice(node, path, rights, nullptr, std::move(done));
  });
}

VoidResult Daemon::StartDashboard(const Credentials& creds) {
  if (config_.dashboard_listen.empty()) return Ok();
  DashboardOptions options;
  options.listen = config_.dashboard_listen;
  options.directory = config_.dashboard_dir;
  if (options.directory.empty()) {
    std::error_code ec;
    std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    options.directory = (exe.parent_path().parent_path() / "share/shoal/dashboard").string();
  }
  if (!std::filesystem::exists(std::filesystem::path(options.directory) / "index.html")) {
    return MakeError(Status::kInvalidArgs,
                     "--dashboard-listen: no dashboard in " + options.directory +
                         " (index.html is missing); build it (deploy/build) or give "
                         "--dashboard-dir");
  }
  options.tls = creds.data_plane;  // The node certificate, as the Admin service's.
  options.auth = auth_.get();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  options.admin = admin_server_->InProcessChannel(args);
  dashboard_ = TRY(DashboardServer::Start(std::move(options)));
  spdlog::info("dashboard on {}", dashboard_->url());
  return Ok();
}

VoidResult Daemon::AddDevices() {
  devices_ = std::make_unique<rdev::NodeDevices>();
  for (const std::string& text : config_.devices) {
    rdev::DeviceSpec spec = TRY(rdev::ParseDeviceSpec(text));
    if (VoidResult added = devices_->Add(spec); !added.ok()) {
      return MakeError(added.error().status, "--device " + text + ": " + added.error().message);
    }
    spdlog::info("device {} ({})", spec.path, spec.backend);
  }
  return devices_->BindAll(host_->root_namespace());
}

shoal::peer::v1::MemberInfo Daemon::SelfInfo() const {
  shoal::peer::v1::MemberInfo info;
  info.set_name(config_.node_name);
  info.set_node_id(config_.node_id);
  info.set_peer_address(peer_address_);
  info.set_admin_address(admin_address_);
  info.set_data_address(data_address_);
  info.set_incarnation(incarnation_);
  if (local_devices_) {
    for (const std::string& path : local_devices_->Paths()) info.add_devices(path);
  }
  if (host_) {
    for (const ProcessInfo& p : host_->List()) {
      auto* s = info.add_processes();
      s->set_pid(p.pid);
      s->set_running(p.running());
    }
    *info.mutable_load() = ToProto(load_sampler_.Sample(host_->Load()));
  }
  return info;
}

void Daemon::OnProcess(const ProcessInfo& info) {
  pb::Event e;
  e.set_node(config_.node_name);
  e.set_pid(info.pid);
  if (info.running()) {
    metrics_.processes_started++;
    e.set_kind(pb::Event::KIND_PROCESS_STARTED);
  } else {
    metrics_.processes_ended++;
    e.set_kind(pb::Event::KIND_PROCESS_EXITED);
    *e.mutable_exit() = ToProto(*info.exit);
    spdlog::info("pid {} ended: {} {}", info.pid, e.exit().code(), e.exit().message());
  }
  events_->Publish(std::move(e));
}

void Daemon::OnMoved(const pb::MigrateSummary& summary) {
  pb::Event e;
  e.set_kind(pb::Event::KIND_PROCESS_MOVED);
  e.set_node(summary.to_node());
  e.set_from_node(summary.from_node());
  e.set_pid(summary.pid());
  e.set_freeze_us(summary.freeze_us());
  events_->Publish(std::move(e));
}

Result<Daemon::PidOnNode> Daemon::PidOn(const std::string& node, uint64_t pid) const {
  std::optional<Member> member = registry_->FindByName(node);
  if (!member) return MakeError(Status::kNotFound, "unknown node '" + node + "'");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  pb::ListProcessesResponse response;
  grpc::Status status = peers_->For(member->peer_address)->ListProcesses(&context, {}, &response);
  if (!status.ok()) return MakeError(Status::kPeerGone, status.error_message());
  PidOnNode on;
  for (const pb::Process& p : response.processes()) {
    if (p.pid() == pid) on.process = p;
  }
  for (uint64_t pending : response.pending_pids()) on.pending |= pending == pid;
  return on;
}

Result<Migrator::Landed> Daemon::LandedOn(const std::string& node, uint64_t pid,
                                          uint64_t move_id) const {
  std::optional<Member> member = registry_->FindByName(node);
  if (!member) return MakeError(Status::kNotFound, "unknown node '" + node + "'");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  peerpb::MoveOutcomeRequest request;
  request.set_pid(pid);
  request.set_move_id(move_id);
  peerpb::MoveOutcomeResponse response;
  grpc::Status status =
      peers_->For(member->peer_address)->MoveOutcome(&context, request, &response);
  if (!status.ok()) return MakeError(Status::kPeerGone, status.error_message());
  switch (response.outcome()) {
    case peerpb::MoveOutcomeResponse::OUTCOME_NOT_TAKEN:
      return Migrator::Landed::kNotTaken;
    case peerpb::MoveOutcomeResponse::OUTCOME_TAKEN:
      return Migrator::Landed::kTaken;
    case peerpb::MoveOutcomeResponse::OUTCOME_LOST:
      return Migrator::Landed::kLost;
    case peerpb::MoveOutcomeResponse::OUTCOME_PENDING:
      // A commit still on its way may start it: "no" would not be final.
      return MakeError(Status::kShouldWait, "node " + node + " holds pid " + std::to_string(pid) +
                                                " prepared, neither started nor dropped yet");
    default:
      return MakeError(Status::kMalformed, "node " + node + " answered the move of pid " +
                                               std::to_string(pid) + " with outcome " +
                                               std::to_string(int(response.outcome())));
  }
}

peerpb::MoveOutcomeResponse::Outcome Daemon::MoveOutcomeHere(uint64_t pid, uint64_t move_id) {
  // Prepared first: its commit makes the record durable before the
  // process's effects are let out (it runs held meanwhile), and only then
  // stops being pending, so a pid not pending any more is either recorded
  // or never left a trace here.
  for (uint64_t pending : host_->Pending()) {
    if (pending == pid) return peerpb::MoveOutcomeResponse::OUTCOME_PENDING;
  }
  switch (arrivals_->Find(pid, move_id)) {
    case ArrivalLog::Seen::kThisRun:
      return peerpb::MoveOutcomeResponse::OUTCOME_TAKEN;
    case ArrivalLog::Seen::kEarlierRun:
      directory_->RecordLost(pid, config_.node_name);
      return peerpb::MoveOutcomeResponse::OUTCOME_LOST;
    case ArrivalLog::Seen::kNever:
      break;
  }
  return peerpb::MoveOutcomeResponse::OUTCOME_NOT_TAKEN;
}

bool Daemon::RunsAnywhere(uint64_t pid) const {
  if (std::optional<ProcessInfo> here = host_->Get(pid); here && here->running()) return true;
  for (const Member& m : registry_->Members()) {
    if (m.self || m.state == MemberState::kDead) continue;
    Result<PidOnNode> there = PidOn(m.name, pid);
    // A node that cannot answer might run it, and a prepared one may yet.
    if (!there.ok() || there->pending) return true;
    if (there->process && there->process->state() == pb::PROCESS_STATE_RUNNING) return true;
  }
  return false;
}

Result<std::string> Daemon::DataAddressOf(const std::string& name) const {
  std::optional<Member> member = registry_ ? registry_->FindByName(name) : std::nullopt;
  if (!member) return MakeError(Status::kNotFound, "unknown node '" + name + "'");
  if (member->state == MemberState::kDead) {
    return MakeError(Status::kPeerGone, "node '" + name + "' is dead");
  }
  if (member->data_address.empty()) {
    return MakeError(Status::kNotSupported, "node '" + name + "' announces no data plane");
  }
  return member->data_address;
}

void Daemon::OnMemberChange(const MemberChange& change) {
  std::vector<uint64_t> found = directory_->OnMemberChange(change);
  // A dead member's connection is gone even if its socket still looks open
  // (a hung host, a partition): its calls fail now rather than when TCP
  // notices. (A restarted member's old socket was closed by its kernel, or
  // is replaced when the new incarnation dials: data_plane.h.)
  if (change.kind == MemberChange::Kind::kDead) {
    data_plane_->Disconnect(change.member.name,
                            "membership declared node " + change.member.name + " dead");
  }
  auto publish = [&](pb::Event::Kind kind, uint64_t pid) {
    pb::Event e;
    e.set_kind(kind);
    e.set_node(change.member.name);
    e.set_pid(pid);
    if (kind == pb::Event::KIND_PROCESS_LOST) e.mutable_exit()->set_kind(pb::EXIT_KIND_LOST);
    events_->Publish(std::move(e));
  };
  switch (change.kind) {
    case MemberChange::Kind::kUp:
      publish(pb::Event::KIND_NODE_UP, 0);
      break;
    case MemberChange::Kind::kSuspect:
      publish(pb::Event::KIND_NODE_SUSPECT, 0);
      break;
    case MemberChange::Kind::kDead:
    case MemberChange::Kind::kRestarted:
      publish(change.kind == MemberChange::Kind::kDead ? pb::Event::KIND_NODE_DEAD
                                                       : pb::Event::KIND_NODE_RESTARTED,
              0);
      for (const HostedProcess& p : change.previous) {
        if (p.running) publish(pb::Event::KIND_PROCESS_LOST, p.pid);
      }
      break;
    case MemberChange::Kind::kProcesses:
      // Remote starts and ends arrive from their host (event_log.h).
      break;
  }
  for (uint64_t pid : found) publish(pb::Event::KIND_PROCESS_FOUND, pid);
}

void Daemon::RenderGauges(std::string& out) const {
  size_t running = 0, ended = 0;
  for (const ProcessInfo& p : host_->List()) (p.running() ? running : ended)++;
  out += "# HELP shoal_processes Processes on this node, by state.\n";
  out += "# TYPE shoal_processes gauge\n";
  out += "shoal_processes{state=\"running\"} " + std::to_string(running) + "\n";
  out += "shoal_processes{state=\"ended\"} " + std::to_string(ended) + "\n";
  KernelLoad load = host_->Load();
  AppendMetric(out, "shoal_kernel_workers", "gauge", "Kernel worker threads.", load.workers);
  AppendMetric(out, "shoal_kernel_busy_workers", "gauge",
               "Kernel workers running a process step right now.", load.busy_workers);
  AppendMetric(out, "shoal_kernel_run_queue_length", "gauge",
               "Runnable processes waiting for a kernel worker.", load.run_queue_length);
  AppendMetric(out, "shoal_kernel_host_calls_total", "counter",
               "Host calls (WASI and shoal ABI) processes on this node made.", load.host_calls);
  std::map<std::string, int> states = {{"up", 0}, {"suspect", 0}, {"dead", 0}};
  for (const Member& m : registry_->Members()) states[std::string(MemberStateName(m.state))]++;
  out += "# HELP shoal_members Cluster members as this node sees them, by state.\n";
  out += "# TYPE shoal_members gauge\n";
  for (const auto& [state, n] : states) {
    out += "shoal_members{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  }
}

}  // namespace shoal::clusterd
