#include "clusterd/daemon/peer_service.h"

#include "clusterd/daemon/proto_convert.h"

namespace shoal::clusterd {

namespace pb = shoal::admin::v1;
namespace peerpb = shoal::peer::v1;

grpc::Status PeerService::Count(const char* method, grpc::Status status) {
  metrics_.CountRpc("Peer", method, status.error_code());
  return status;
}

grpc::Status PeerService::Heartbeat(grpc::ServerContext*, const peerpb::HeartbeatRequest* request,
                                    peerpb::HeartbeatResponse* response) {
  Result<peerpb::MemberInfo> self = registry_.OnHeartbeat(request->from());
  if (!self.ok()) {
    return Count("Heartbeat",
                 grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, self.error().message));
  }
  *response->mutable_self() = std::move(*self);
  return Count("Heartbeat", grpc::Status::OK);
}

grpc::Status PeerService::Locate(grpc::ServerContext*, const peerpb::LocateRequest* request,
                                 peerpb::LocateResponse* response) {
  Location where = directory_.LocateKnown(request->pid());
  response->set_found(where.kind == Location::Kind::kHere || where.kind == Location::Kind::kThere);
  response->set_node(where.node);
  return Count("Locate", grpc::Status::OK);
}

grpc::Status PeerService::ListProcesses(grpc::ServerContext*, const pb::ListProcessesRequest*,
                                        pb::ListProcessesResponse* response) {
  local_.List(response);
  return Count("ListProcesses", grpc::Status::OK);
}

grpc::Status PeerService::Spawn(grpc::ServerContext*, const pb::SpawnRequest* request,
                                pb::SpawnResponse* response) {
  return Count("Spawn", local_.Spawn(*request, response));
}

grpc::Status PeerService::Kill(grpc::ServerContext*, const pb::KillRequest* request,
                               pb::KillResponse* response) {
  return Count("Kill", local_.Kill(request->pid(), response));
}

grpc::Status PeerService::Wait(grpc::ServerContext* context, const pb::WaitRequest* request,
                               pb::WaitResponse* response) {
  return Count("Wait", local_.Wait(context, request->pid(), response));
}

grpc::Status PeerService::Logs(grpc::ServerContext* context, const pb::LogsRequest* request,
                               grpc::ServerWriter<pb::LogChunk>* writer) {
  return Count("Logs", local_.Logs(context, *request, writer));
}

}  // namespace shoal::clusterd
