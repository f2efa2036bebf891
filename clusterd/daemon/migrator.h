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
// service, whether that move started the process there (its durable
// record, ArrivalLog, answers also after a restart), and the answer
// decides: released (it runs there, or was lost with the destination's
// restart) or resumed here. A destination that cannot be asked keeps the
// process frozen here, never running twice, and is asked again in the
// background until it answers ("settling").
//
// A post-copy (docs/migration.md, "Post-copy") freezes at once, sends the
// image with the memories' sizes only, commits, and sends the pages after:
// the process runs at the destination meanwhile, fetching the pages it
// touches first from here (PostCopySource).
//
// Threading: Migrate() blocks its caller (a gRPC thread); moves of
// different processes run concurrently; settling runs on threads of its
// own, which Stop() ends.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <string>
#include <thread>

#include "clusterd/daemon/data_plane.h"
#include "clusterd/daemon/directory.h"
#include "clusterd/daemon/kernel_process_host.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

class Migrator {
 public:
  // What became of a move whose commit lost its answer, as the
  // destination says.
  enum class Landed : uint8_t {
    kNotTaken,  // Not started there, and nothing there can start it any more.
    kTaken,     // Started there.
    kLost,      // Started there, then the destination restarted: it ended.
  };
  // Asks `node` what became of move `move_id` of `pid`: kPeerGone when it
  // cannot be asked, kShouldWait while it holds the pid prepared (a commit
  // on its way may still start it).
  using AskLanded =
      std::function<Result<Landed>(const std::string& node, uint64_t pid, uint64_t move_id)>;
  // A move that happened (the daemon publishes an event).
  using OnMoved = std::function<void(const shoal::admin::v1::MigrateSummary& summary)>;
  // One stage done.
  using Progress = std::function<void(const shoal::admin::v1::MigrateProgress& progress)>;

  // References must outlive the migrator.
  Migrator(std::string self, KernelProcessHost& host, DataPlane& data, Directory& directory,
           AskLanded ask, OnMoved moved)
      : self_(std::move(self)),
        host_(host),
        data_(data),
        directory_(directory),
        ask_(std::move(ask)),
        moved_(std::move(moved)) {}
  ~Migrator() { Stop(); }
  Migrator(const Migrator&) = delete;
  Migrator& operator=(const Migrator&) = delete;

  // Moves `pid` (running here) to `to`, as `request` says (its pid and
  // node are the arguments). Errors (it runs on here unless the message
  // says it stays frozen): kNotFound, kNotSupported (what cannot move),
  // kExhausted (max_freeze_ms cannot be met), the data plane's and the
  // destination's; kPeerGone also when the process was lost with the
  // destination.
  Result<shoal::admin::v1::MigrateSummary> Migrate(uint64_t pid, const std::string& to,
                                                   const shoal::admin::v1::MigrateRequest& request,
                                                   const Progress& progress);

  // Bounds on the steps (generous: a large image takes its time).
  static constexpr std::chrono::seconds kSendTimeout{120};
  static constexpr std::chrono::seconds kCommitTimeout{10};
  static constexpr std::chrono::seconds kResolveTimeout{10};
  // How often a move still settling asks its destination again.
  static constexpr std::chrono::seconds kSettleEvery{1};

  // Ends the settling of moves whose destination has not answered: their
  // processes thaw here (the daemon stops, and they end with it). Before
  // the host goes.
  void Stop();
  // Pre-copy: the freeze aimed at when the request sets no cap, and the
  // rounds after which the rest is sent frozen (or, under a cap the rounds
  // could not meet, the move is refused).
  static constexpr uint32_t kDefaultFreezeTargetMs = 20;
  static constexpr uint32_t kMaxRounds = 30;

 private:
  struct Rounds;  // One pre-copy's figures (migrator.cc).
  struct Lazy;    // One post-copy's source (migrator.cc).
  // The pre-copy rounds, up to the moment to freeze.
  VoidResult PreCopy(uint64_t pid, const std::string& to, kernel::MemoryRounds& rounds,
                     DataPlane::Outbound& outbound, uint32_t max_freeze_ms, Rounds& figures,
                     const Progress& progress);
  // Freezes, sends the image, commits and releases (see above). With
  // `lazy` (a post-copy) the memories stay here for it, and the summary is
  // the caller's to report.
  Result<shoal::admin::v1::MigrateSummary> FreezeAndCommit(
      uint64_t pid, const std::string& to, uint64_t move_id, DataPlane::Outbound* outbound,
      kernel::FreezeMemory memory, Rounds& figures, const Progress& progress, Lazy* lazy = nullptr);
  // A post-copy: freezes, sends the execution state, commits, then sends
  // the memories' pages while the process already runs at `to`.
  Result<shoal::admin::v1::MigrateSummary> PostCopy(uint64_t pid, const std::string& to,
                                                    uint64_t move_id, const Progress& progress);
  // Asks `to` what became of the move until it answers or `until`.
  Result<Landed> AskUntil(const std::string& to, uint64_t pid, uint64_t move_id,
                          std::chrono::steady_clock::time_point until);
  // Acts on the answer: releases the process, or resumes it here.
  void Settle(Landed landed, uint64_t pid, const std::string& to,
              std::unique_ptr<KernelProcessHost::Departure> departure);
  // Keeps asking in the background, the process frozen here meanwhile.
  void SettleLater(uint64_t pid, std::string to, uint64_t move_id,
                   std::unique_ptr<KernelProcessHost::Departure> departure);

  const std::string self_;
  KernelProcessHost& host_;
  DataPlane& data_;
  Directory& directory_;
  const AskLanded ask_;
  const OnMoved moved_;
  Mutex settling_mu_;
  CondVar settling_cv_;
  bool stopping_ GUARDED_BY(settling_mu_) = false;
  std::list<std::thread> settling_ GUARDED_BY(settling_mu_);
};

}  // namespace shoal::clusterd
