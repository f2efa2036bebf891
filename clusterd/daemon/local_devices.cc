#include "clusterd/daemon/local_devices.h"

#include "clusterd/daemon/proto_convert.h"

namespace shoal::clusterd {

namespace pb = shoal::admin::v1;

void LocalDevices::List(pb::ListDevicesResponse* response) const {
  for (const rdev::DeviceListing& d : devices_.List()) {
    pb::Device* out = response->add_devices();
    out->set_node(self_);
    out->set_path(d.path);
    out->set_kind(d.kind);
    out->set_driver(d.driver);
    for (const std::string& mode : d.modes) out->add_modes(mode);
    out->set_open_handles(d.open_handles);
  }
  for (const Mounts::Listing& m : mounts_.List()) {
    pb::Device* out = response->add_devices();
    out->set_node(self_);
    out->set_path(m.target);
    out->set_kind("mount");
    out->set_driver("remote");
    out->set_open_handles(m.open_handles);
    out->set_source(m.source.text());
  }
}

std::vector<std::string> LocalDevices::Paths() const {
  std::vector<std::string> paths;
  for (const rdev::DeviceListing& d : devices_.List()) paths.push_back(d.path);
  for (const Mounts::Listing& m : mounts_.List()) paths.push_back(m.target);
  return paths;
}

grpc::Status LocalDevices::Mount(const pb::MountRequest& request) {
  VoidResult mounted = mounts_.Mount(request.source(), request.target());
  if (!mounted.ok()) return ToGrpc(mounted.error(), "node " + self_);
  return grpc::Status::OK;
}

grpc::Status LocalDevices::Unmount(const pb::UnmountRequest& request) {
  VoidResult unmounted = mounts_.Unmount(request.target());
  if (!unmounted.ok()) return ToGrpc(unmounted.error(), "node " + self_);
  return grpc::Status::OK;
}

}  // namespace shoal::clusterd
