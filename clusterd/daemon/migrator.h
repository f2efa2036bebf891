// Migrator: moves this node's processes to other nodes, live (Admin.Migrate
// runs here, on the process's node; docs/migration.md).
//
// One move: freeze the process at a safepoint and take its image
// (KernelProcessHost::Depart), send it with its live handles over the data
// plane and have the destination prepare it (DataPlane::SendProcess),
// record the move in the directory, commit, and release the source's copy,
// whose process object then forwards to the destination's. Until the
// commit the process can always resume here: any failure before it thaws
// the process, which never noticed. When the commit's answer is lost (the
// link broke after it was sent) the destination is asked, over the Peer
// service, whether the pid runs there, and the answer decides; a
// destination that cannot be asked leaves the process frozen here, never
// running twice.
//
// Threading: Migrate() blocks its caller (a gRPC thread); moves of
// different processes run concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "clusterd/daemon/data_plane.h"
#include "clusterd/daemon/directory.h"
#include "clusterd/daemon/kernel_process_host.h"
#include "kernel/base/result.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

class Migrator {
 public:
  // Whether `node` hosts process `pid` (running or ended), as the node
  // itself says; kPeerGone when it cannot be asked.
  using HostsPid = std::function<Result<bool>(const std::string& node, uint64_t pid)>;
  // A move that happened (the daemon publishes an event).
  using OnMoved = std::function<void(const shoal::admin::v1::MigrateSummary& summary)>;
  // One stage done.
  using Progress = std::function<void(const shoal::admin::v1::MigrateProgress& progress)>;

  // References must outlive the migrator.
  Migrator(std::string self, KernelProcessHost& host, DataPlane& data, Directory& directory,
           HostsPid hosts, OnMoved moved)
      : self_(std::move(self)),
        host_(host),
        data_(data),
        directory_(directory),
        hosts_(std::move(hosts)),
        moved_(std::move(moved)) {}

  // Moves `pid` (running here) to `to`. Errors (it runs on here unless the
  // message says it stays frozen): kNotFound, kNotSupported (what cannot
  // move), the data plane's and the destination's.
  Result<shoal::admin::v1::MigrateSummary> Migrate(uint64_t pid, const std::string& to,
                                                   const Progress& progress);

  // Bounds on the steps (generous: a large image takes its time).
  static constexpr std::chrono::seconds kSendTimeout{120};
  static constexpr std::chrono::seconds kCommitTimeout{10};
  static constexpr std::chrono::seconds kResolveTimeout{10};

 private:
  const std::string self_;
  KernelProcessHost& host_;
  DataPlane& data_;
  Directory& directory_;
  const HostsPid hosts_;
  const OnMoved moved_;
};

}  // namespace shoal::clusterd
