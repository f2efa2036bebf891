// Migrator: moves this node's processes to other nodes, live (Admin.Migrate
// runs here, on the process's node; docs/migration.md).
//
// One move: a pre-copy first sends the process's memory while it runs on,
// round after round the pages written since the last, until what is left
// can be sent within the freeze time aimed at (slowing the process through
// its share of time when it writes faster than the link carries); then
// freeze it at a safepoint and take its image with the last pages
// (KernelProcessHost::Depart), send it with its live handles over the data
// plane and have the destination prepare it (DataPlane), record the move
// in the directory, commit, and release the source's copy, whose process
// object then forwards to the destination's. Stop and copy skips the rounds. Until the
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
  // itself says; kPeerGone when it cannot be asked, kShouldWait while it
  // holds the pid prepared (a commit on its way may still start it), so
  // that "false" is final: nothing there can start it any more.
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

  // Moves `pid` (running here) to `to`, as `request` says (its pid and
  // node are the arguments). Errors (it runs on here unless the message
  // says it stays frozen): kNotFound, kNotSupported (what cannot move),
  // kExhausted (max_freeze_ms cannot be met), the data plane's and the
  // destination's.
  Result<shoal::admin::v1::MigrateSummary> Migrate(uint64_t pid, const std::string& to,
                                                   const shoal::admin::v1::MigrateRequest& request,
                                                   const Progress& progress);

  // Bounds on the steps (generous: a large image takes its time).
  static constexpr std::chrono::seconds kSendTimeout{120};
  static constexpr std::chrono::seconds kCommitTimeout{10};
  static constexpr std::chrono::seconds kResolveTimeout{10};
  // Pre-copy: the freeze aimed at when the request sets no cap, and the
  // rounds after which the rest is sent frozen (or, under a cap the rounds
  // could not meet, the move is refused).
  static constexpr uint32_t kDefaultFreezeTargetMs = 20;
  static constexpr uint32_t kMaxRounds = 30;

 private:
  struct Rounds;  // One pre-copy's figures (migrator.cc).
  // The pre-copy rounds, up to the moment to freeze.
  VoidResult PreCopy(uint64_t pid, const std::string& to, kernel::MemoryRounds& rounds,
                     DataPlane::Outbound& outbound, uint32_t max_freeze_ms, Rounds& figures,
                     const Progress& progress);
  // Freezes, sends the image, commits and releases (see above).
  Result<shoal::admin::v1::MigrateSummary> FreezeAndCommit(
      uint64_t pid, const std::string& to, std::unique_ptr<DataPlane::Outbound> outbound,
      kernel::FreezeMemory memory, Rounds& figures, const Progress& progress);

  const std::string self_;
  KernelProcessHost& host_;
  DataPlane& data_;
  Directory& directory_;
  const HostsPid hosts_;
  const OnMoved moved_;
};

}  // namespace shoal::clusterd
