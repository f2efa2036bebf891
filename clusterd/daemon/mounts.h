// Mounts: the devices of other nodes this node has bound into its kernel
// root namespace (`shoal mount`, docs/mounts.md), and their record in the
// data directory (DATA_DIR/mounts, one "TARGET<tab>NODE:PATH" line each,
// replaced whole on every change), from which they are bound again when
// the daemon starts.
//
// Threading: thread-safe; Mount and Unmount run one at a time, and List
// does not wait for a mount that is checking its source.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "clusterd/daemon/data_plane.h"
#include "clusterd/daemon/mount_provider.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/namespace.h"

namespace shoal::clusterd {

// A mount source, "NODE:/dev/PATH".
struct MountSource {
  std::string node;
  std::string path;
  std::string text() const { return node + ":" + path; }
};

// Parses "NODE:/dev/PATH" (the path in normal form, below /dev/);
// kInvalidArgs says what is wrong.
Result<MountSource> ParseMountSource(std::string_view text);

class Mounts {
 public:
  // Reads DATA_DIR/mounts and binds every mount it records in `root`,
  // without asking the sources (they may be down now; each open asks). A
  // recorded target that is taken now (a device added since) is skipped
  // with a warning. kIoError for a file that cannot be read, kMalformed
  // for a line that does not parse. `root` and `data_plane` must outlive
  // this object.
  static Result<std::unique_ptr<Mounts>> Open(const std::filesystem::path& data_dir,
                                              std::string self, kernel::Namespace& root,
                                              DataPlane& data_plane);

  // How long Mount waits for the source node to open the source once.
  static constexpr std::chrono::seconds kCheckTimeout{10};

  // Mounts `source` ("NODE:/dev/PATH") at `target` (below /dev/). Errors,
  // in this order: kInvalidArgs (a malformed source or target, or a source
  // on this node), kAlreadyExists (the target is bound), the source node's
  // answer to opening it once (kNotFound: an unknown node or no such
  // device; kPeerGone: the node is down or did not answer in
  // kCheckTimeout), kIoError (the record cannot be written: nothing is
  // mounted then).
  VoidResult Mount(std::string_view source, std::string_view target);

  // Removes the mount at `target`: later opens fail with kNotFound, and
  // what was opened through it reads as peer-closed (mount_provider.h).
  // kInvalidArgs for a target that is no path below /dev/, kNotFound when
  // no mount is there, kIoError when the record cannot be written (the
  // mount stays).
  VoidResult Unmount(std::string_view target);

  // One mount as ListDevices shows it.
  struct Listing {
    std::string target;
    MountSource source;
    uint32_t open_handles = 0;
  };
  std::vector<Listing> List() const;

 private:
  Mounts(std::filesystem::path file, std::string self, kernel::Namespace& root,
         DataPlane& data_plane)
      : file_(std::move(file)), self_(std::move(self)), root_(root), data_plane_(data_plane) {}
  // Binds a mount of `source` at `target` and remembers it.
  VoidResult BindLocked(const MountSource& source, const std::string& target) REQUIRES(change_mu_);
  // The record of `mounts`.
  VoidResult PersistLocked(const std::map<std::string, MountSource>& mounts) const
      REQUIRES(change_mu_);

  const std::filesystem::path file_;
  const std::string self_;
  kernel::Namespace& root_;
  DataPlane& data_plane_;
  Mutex change_mu_;  // Serializes Mount and Unmount (held over a source check).
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<MountProvider>> mounts_ GUARDED_BY(mu_);
};

}  // namespace shoal::clusterd
