// NodesProvider: /nodes in a node's namespace, where each node of the
// cluster is a Spawner (kernel/object/spawner.h). namespace_open
// ("/nodes/node-b") gives a handle to node-b's spawner: this node's own
// (KernelProcessHost::spawner) for its own name, else a proxy of the peer's
// over the data plane (DataPlane::OpenSpawner). Membership decides which
// names exist when they are opened, so nodes joining later need no new
// binding; the kernel never learns of the daemon (ARCHITECTURE.md,
// invariant 3).
#pragma once

#include <string>

#include "clusterd/daemon/data_plane.h"
#include "kernel/object/provider.h"
#include "kernel/object/spawner.h"

namespace shoal::clusterd {

class NodesProvider final : public kernel::Provider {
 public:
  // `data_plane` must outlive the provider's opens (the daemon unbinds
  // nothing: it stops the kernel, whose processes open here, first).
  NodesProvider(std::string self, kernel::Ref<kernel::SpawnerOps> own, DataPlane& data_plane)
      : self_(std::move(self)), own_(std::move(own)), data_plane_(data_plane) {}

  // `relative` is a node's name. Rights: at most the spawner's (kManage,
  // kDuplicate, kTransfer), else kAccessDenied. Errors: kNotFound for ""
  // or a deeper path, DataPlane::OpenSpawner's for another node (kNotFound
  // for a name that is no member, kPeerGone for one that is unreachable).
  // A peer answers on the data plane's loop thread.
  void OpenAsync(std::string_view relative, kernel::Rights requested, OpenDone done) override;

 private:
  const std::string self_;
  const kernel::Ref<kernel::SpawnerOps> own_;
  DataPlane& data_plane_;
};

}  // namespace shoal::clusterd
