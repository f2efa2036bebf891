// LocalDevices: the admin calls about this node's devices and mounts, as
// both services serve them (as LocalProcesses does for processes): the
// Admin service for calls that land here, the Peer service for calls
// other nodes forward here.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "clusterd/daemon/mounts.h"
#include "proto/admin.pb.h"
#include "rdev/node_devices.h"

namespace shoal::clusterd {

class LocalDevices {
 public:
  // References must outlive this object.
  LocalDevices(std::string self, const rdev::NodeDevices& devices, Mounts& mounts)
      : self_(std::move(self)), devices_(devices), mounts_(mounts) {}

  // This node's devices, then its mounts (kind "mount", driver "remote",
  // with their source), each with this node's name.
  void List(shoal::admin::v1::ListDevicesResponse* response) const;
  // The paths List shows, for heartbeats (ListNodes' `devices`).
  std::vector<std::string> Paths() const;

  // Mounts::Mount and Unmount as gRPC answers: INVALID_ARGUMENT,
  // ALREADY_EXISTS, NOT_FOUND, UNAVAILABLE (the source node is down).
  grpc::Status Mount(const shoal::admin::v1::MountRequest& request);
  grpc::Status Unmount(const shoal::admin::v1::UnmountRequest& request);

  const std::string& self() const { return self_; }

 private:
  const std::string self_;
  const rdev::NodeDevices& devices_;
  Mounts& mounts_;
};

}  // namespace shoal::clusterd
