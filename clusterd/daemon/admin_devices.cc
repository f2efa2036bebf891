// The Admin service's device calls (admin_service.h): ListDevices gathers
// every node's, Mount and Unmount run on the node that mounts, forwarded
// there like the other per-node calls; WatchCamera opens the camera from
// here, over the data plane for another node's, as a process would.
#include "clusterd/daemon/admin_service.h"

#include "clusterd/daemon/camera_preview.h"
#include "clusterd/daemon/forwarding.h"
#include "clusterd/daemon/proto_convert.h"

namespace shoal::clusterd {

namespace pb = shoal::admin::v1;
namespace peerpb = shoal::peer::v1;

void AdminService::ListAllDevices(pb::ListDevicesResponse* response) {
  p_.devices.List(response);
  auto answers = AskEveryPeer<pb::ListDevicesResponse>(
      p_.registry, p_.peers,
      [](peerpb::Peer::Stub& stub, grpc::ClientContext& context, pb::ListDevicesResponse* r) {
        return stub.ListDevices(&context, {}, r);
      });
  for (auto& answer : answers) {
    if (!answer.status.ok()) {
      response->add_unreachable_nodes(answer.node);
      continue;
    }
    for (pb::Device& d : *answer.response.mutable_devices())
      *response->add_devices() = std::move(d);
  }
}

grpc::Status AdminService::ListDevices(Ctx* context, const pb::ListDevicesRequest* request,
                                       pb::ListDevicesResponse* response) {
  return Guard(context, "ListDevices", [&] {
    const std::string& node = request->node();
    if (node.empty()) {
      ListAllDevices(response);
      return grpc::Status::OK;
    }
    if (node == p_.devices.self()) {
      p_.devices.List(response);
      return grpc::Status::OK;
    }
    Member m;
    if (grpc::Status s = Reachable(node, &m); !s.ok()) return s;
    grpc::ClientContext forward;
    InheritDeadline(*context, forward, false);
    grpc::Status s = p_.peers.For(m.peer_address)->ListDevices(&forward, *request, response);
    if (!s.ok()) response->add_unreachable_nodes(node);
    return grpc::Status::OK;
  });
}

grpc::Status AdminService::OnNode(Ctx* context, const std::string& node,
                                  const std::function<grpc::Status()>& here,
                                  const ForwardCall& there) {
  if (node.empty() || node == p_.devices.self()) return here();
  Member m;
  if (grpc::Status s = Reachable(node, &m); !s.ok()) return s;
  grpc::ClientContext forward;
  InheritDeadline(*context, forward, false);
  return Relayed(there(*p_.peers.For(m.peer_address), forward), m.name);
}

grpc::Status AdminService::Mount(Ctx* context, const pb::MountRequest* request,
                                 pb::MountResponse* response) {
  return Guard(context, "Mount", [&] {
    return OnNode(
        context, request->node(), [&] { return p_.devices.Mount(*request); },
        [&](peerpb::Peer::Stub& peer, grpc::ClientContext& forward) {
          return peer.Mount(&forward, *request, response);
        });
  });
}

grpc::Status AdminService::Unmount(Ctx* context, const pb::UnmountRequest* request,
                                   pb::UnmountResponse* response) {
  return Guard(context, "Unmount", [&] {
    return OnNode(
        context, request->node(), [&] { return p_.devices.Unmount(*request); },
        [&](peerpb::Peer::Stub& peer, grpc::ClientContext& forward) {
          return peer.Unmount(&forward, *request, response);
        });
  });
}

grpc::Status AdminService::WatchCamera(Ctx* context, const pb::WatchCameraRequest* request,
                                       grpc::ServerWriter<pb::CameraFrame>* writer) {
  return Guard(context, "WatchCamera", [&] {
    std::string node = request->node().empty() ? p_.local.self() : request->node();
    Member member;
    if (grpc::Status reachable = Reachable(node, &member); !reachable.ok()) return reachable;
    // Reading needs kRead; choosing the mode kManage too, which devices
    // that are no camera do not grant: they are told apart first.
    Result<kernel::HandleEntry> camera = p_.open_device(node, request->path(), kernel::Rights::kRead);
    if (camera.ok() && !request->mode().empty() && camera->object->type() == kernel::ObjectType::kCamera) {
      camera = p_.open_device(node, request->path(), kernel::Rights::kRead | kernel::Rights::kManage);
    }
    if (!camera.ok()) return ToGrpc(camera.error(), node + ":" + request->path());
    return StreamCameraFrames(
        *camera, *request, [&](const pb::CameraFrame& frame) { return writer->Write(frame); },
        [&] { return context->IsCancelled(); });
  });
}

}  // namespace shoal::clusterd
