// Fault points: named places in the migration protocol where a test makes
// the daemon fail on purpose (docs/migration.md, "Fault injection"). A
// point is armed with shoald's hidden flag `--fault POINT=ACTION[@N]`
// (docs/daemon.md); unarmed, Hit() costs one relaxed atomic load.
//
// Actions: `exit` ends the daemon at once with _exit(137), as a crash
// would (nothing is flushed or closed cleanly; its processes die with it);
// `cut` drops the data-plane connection with the peer of that migration
// (the next use dials again). `@N` fires on the N-th hit of the point
// only (default: the first); a point fires at most once.
//
// The registry is process-wide on purpose, unlike the rest of the daemon
// (STYLE.md 7): it is set once from the command line before any thread
// runs, and a fault point must be reachable from any call site without
// threading a test-only parameter through the protocol's code.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "kernel/base/result.h"

namespace shoal::clusterd::fault {

// Every point a call site may name (an armed name outside it is refused).
inline constexpr std::string_view kPoints[] = {
    // The source (migrator.cc).
    "migrate.source.rounds",       // The move is open; no page sent yet.
    "migrate.source.first_batch",  // Round 1's first batch of pages sent.
    "migrate.source.round",        // A round after the first is sent.
    "migrate.source.frozen",       // The process is frozen; its image is made.
    "migrate.source.prepared",     // The image is sent and the destination prepared it.
    "migrate.source.recorded",     // The move is recorded; commit not sent yet.
    "migrate.source.committed",    // The commit is answered; the source copy not released.
    "migrate.source.postcopy",     // Post-copy: it runs there; no page sent after it yet.
    "migrate.source.lazy_batch",   // Post-copy: a batch of pages sent after it.
    // The destination (migration_server.cc).
    "migrate.dest.pages",     // A batch of pages received.
    "migrate.dest.image",     // The whole image received.
    "migrate.dest.prepared",  // The process is prepared (not running).
    "migrate.dest.commit",    // The commit received; the process not started.
    // (arrival_log.cc) It runs, its effects held; the commit not yet durable.
    "migrate.dest.running",
    "migrate.dest.started",  // The process started; the commit not answered.
};

// Arms one point from "POINT=ACTION[@N]". kInvalidArgs for an unknown
// point or action or a bad count. Before any Hit() (at start).
VoidResult Arm(std::string_view spec);

// What `cut` does with a peer's name (the daemon drops its data-plane
// connection). Set once at start, before any Hit().
void SetCut(std::function<void(const std::string& peer)> cut);

namespace internal {
extern std::atomic<bool> armed;
void Hit(std::string_view point, const std::string& peer);
}  // namespace internal

// Passes `point` of a migration with `peer`: fires the action armed there,
// if any. Any thread.
inline void Hit(std::string_view point, const std::string& peer) {
  if (internal::armed.load(std::memory_order_relaxed)) internal::Hit(point, peer);
}

}  // namespace shoal::clusterd::fault
