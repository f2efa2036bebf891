// MountProvider: what `shoal mount node-a:/dev/video0 /dev/video1 --on
// node-b` binds in node-b's kernel root namespace (docs/mounts.md). Every
// open asks node-a again over the data plane (Node.openDevice), so the
// mount outlives node-a's restarts: the next open reaches the new
// incarnation, and an open while node-a is down fails at once with
// kPeerGone (the data plane's dial is bounded by its connect timeout).
//
// Cutting: the proxies of what the mount opened are imported through a
// Link of the mount's own (one per open), which goes when the connection's
// link goes and also when the mount is cut (Unmount). A gone link is how a
// proxy learns that its object went (kernel/remote/proxy.h): it reads as
// kPeerClosed and its calls fail with kPeerGone at once. A handle passed
// on to a third node carries the capability itself, which the cut does not
// reach.
//
// Threading: OpenAsync from any thread; Cut and open_handles from any
// thread but the data plane's loop.
#pragma once

#include <memory>
#include <string>

#include "clusterd/daemon/data_plane.h"
#include "kernel/object/provider.h"

namespace shoal::clusterd {

class MountProvider final : public kernel::Provider {
 public:
  // Serves `path` (below /dev/) of node `node` at `target`. `data_plane`
  // must outlive the opens (the daemon stops its kernel before it).
  MountProvider(std::string node, std::string path, std::string target, DataPlane& data_plane);
  ~MountProvider() override;

  // `relative` "" opens the source itself, a deeper one the path below it
  // on the source node. After Cut, kNotFound.
  void OpenAsync(std::string_view relative, kernel::Rights requested, OpenDone done) override;

  // Unmounted: later opens fail, and the proxies it opened read as
  // peer-closed (their links go).
  void Cut();

  // Objects opened through the mount and still held somewhere on this node.
  uint32_t open_handles() const;

  const std::string& node() const { return node_; }
  const std::string& path() const { return path_; }

 private:
  struct Links;  // Loop thread, but for counting (its own lock).
  const std::string node_;
  const std::string path_;
  const std::string target_;
  DataPlane& data_plane_;
  const std::shared_ptr<Links> links_;
};

}  // namespace shoal::clusterd
