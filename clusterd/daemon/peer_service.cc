#include "clusterd/daemon/peer_service.h"

#include <spdlog/spdlog.h>

#include "clusterd/daemon/proto_convert.h"

namespace shoal::clusterd {

namespace pb = shoal::admin::v1;
namespace peerpb = shoal::peer::v1;

grpc::Status PeerService::Admit(const grpc::ServerContext& context,
                                const std::string* heartbeat_from) const {
  std::string claimed = ClaimedPeerNode(context);
  grpc::Status status;
  if (claimed.empty()) {
    status = grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        std::string("a peer call must name its node in '") + kPeerNodeMetadata + "' metadata");
  } else if (heartbeat_from != nullptr && *heartbeat_from != claimed) {
    status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "the heartbeat is from node '" + *heartbeat_from +
                              "' but the call claims to be node '" + claimed + "'");
  } else {
    status = CheckPeerIdentity(identity_, context.auth_context().get(), claimed);
  }
  if (status.ok() && heartbeat_from == nullptr) {
    std::optional<Member> member = registry_.FindByName(claimed);
    if (!member || member->self) {
      status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                            "node '" + claimed +
                                "' is not a member known to this node; a node joins with a "
                                "Heartbeat before other peer calls");
    }
  }
  if (!status.ok()) LogRefusal(context, status.error_message());
  return status;
}

void PeerService::LogRefusal(const grpc::ServerContext& context, const std::string& message) const {
  constexpr auto kRefusalLogPeriod = std::chrono::seconds(10);
  constexpr size_t kMaxRemembered = 64;
  auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(&log_mu_);
    auto it = logged_.find(message);
    if (it != logged_.end() && now - it->second < kRefusalLogPeriod) return;
    if (logged_.size() >= kMaxRemembered) logged_.clear();
    logged_[message] = now;
  }
  spdlog::warn("peer call from {} refused: {}", context.peer(), message);
}

template <typename Body>
grpc::Status PeerService::Guard(grpc::ServerContext* context, const char* method, Body body) {
  grpc::Status status = Admit(*context, nullptr);
  if (status.ok()) status = body();
  metrics_.CountRpc("Peer", method, status.error_code());
  return status;
}

grpc::Status PeerService::Heartbeat(grpc::ServerContext* context,
                                    const peerpb::HeartbeatRequest* request,
                                    peerpb::HeartbeatResponse* response) {
  grpc::Status status = Admit(*context, &request->from().name());
  if (status.ok()) {
    const std::string& from = request->from().name();
    if (VoidResult checked = EventLog::CheckForwarded(from, request->events()); !checked.ok()) {
      status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, checked.error().message);
      LogRefusal(*context, status.error_message());
    } else if (Result<peerpb::MemberInfo> self = registry_.OnHeartbeat(request->from());
               !self.ok()) {
      status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, self.error().message);
    } else {
      events_.Receive(from, request->from().incarnation(), request->events());
      *response->mutable_self() = std::move(*self);
    }
  }
  metrics_.CountRpc("Peer", "Heartbeat", status.error_code());
  return status;
}

grpc::Status PeerService::Locate(grpc::ServerContext* context, const peerpb::LocateRequest* request,
                                 peerpb::LocateResponse* response) {
  return Guard(context, "Locate", [&] {
    Location where = directory_.LocateKnown(request->pid());
    response->set_found(where.kind == Location::Kind::kHere ||
                        where.kind == Location::Kind::kThere);
    response->set_node(where.node);
    return grpc::Status::OK;
  });
}

grpc::Status PeerService::MoveOutcome(grpc::ServerContext* context,
                                      const peerpb::MoveOutcomeRequest* request,
                                      peerpb::MoveOutcomeResponse* response) {
  return Guard(context, "MoveOutcome", [&] {
    if (move_outcomes_) {
      response->set_outcome(move_outcomes_(request->pid(), request->move_id()));
    }
    return grpc::Status::OK;
  });
}

grpc::Status PeerService::ListProcesses(grpc::ServerContext* context,
                                        const pb::ListProcessesRequest*,
                                        pb::ListProcessesResponse* response) {
  return Guard(context, "ListProcesses", [&] {
    local_.List(response);
    return grpc::Status::OK;
  });
}

grpc::Status PeerService::Spawn(grpc::ServerContext* context, const pb::SpawnRequest* request,
                                pb::SpawnResponse* response) {
  return Guard(context, "Spawn", [&] { return local_.Spawn(*request, response); });
}

grpc::Status PeerService::Kill(grpc::ServerContext* context, const pb::KillRequest* request,
                               pb::KillResponse* response) {
  return Guard(context, "Kill", [&] { return local_.Kill(request->pid(), response); });
}

grpc::Status PeerService::Wait(grpc::ServerContext* context, const pb::WaitRequest* request,
                               pb::WaitResponse* response) {
  return Guard(context, "Wait", [&] { return local_.Wait(context, request->pid(), response); });
}

grpc::Status PeerService::Logs(grpc::ServerContext* context, const pb::LogsRequest* request,
                               grpc::ServerWriter<pb::LogChunk>* writer) {
  return Guard(context, "Logs", [&] {
    return local_.Logs(context, *request,
                       [writer](const pb::LogChunk& chunk) { return writer->Write(chunk); });
  });
}

grpc::Status PeerService::Migrate(grpc::ServerContext* context, const pb::MigrateRequest* request,
                                  grpc::ServerWriter<pb::MigrateProgress>* writer) {
  return Guard(context, "Migrate", [&] { return local_.Migrate(*request, writer); });
}

grpc::Status PeerService::Checkpoint(grpc::ServerContext* context,
                                     const pb::CheckpointRequest* request,
                                     grpc::ServerWriter<pb::ImageChunk>* writer) {
  return Guard(context, "Checkpoint", [&] { return local_.Checkpoint(*request, writer); });
}

grpc::Status PeerService::Restore(grpc::ServerContext* context,
                                  grpc::ServerReader<pb::RestoreChunk>* reader,
                                  pb::SpawnResponse* response) {
  return Guard(context, "Restore", [&] {
    std::string image;
    if (grpc::Status s = ReadImage(*reader, nullptr, &image); !s.ok()) return s;
    return local_.Restore({reinterpret_cast<const uint8_t*>(image.data()), image.size()}, response);
  });
}

grpc::Status PeerService::ListDevices(grpc::ServerContext* context, const pb::ListDevicesRequest*,
                                      pb::ListDevicesResponse* response) {
  return Guard(context, "ListDevices", [&] {
    devices_.List(response);
    return grpc::Status::OK;
  });
}

grpc::Status PeerService::Mount(grpc::ServerContext* context, const pb::MountRequest* request,
                                pb::MountResponse*) {
  return Guard(context, "Mount", [&] { return devices_.Mount(*request); });
}

grpc::Status PeerService::Unmount(grpc::ServerContext* context, const pb::UnmountRequest* request,
                                  pb::UnmountResponse*) {
  return Guard(context, "Unmount", [&] { return devices_.Unmount(*request); });
}

}  // namespace shoal::clusterd
