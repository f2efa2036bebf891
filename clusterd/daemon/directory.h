// Directory: answers "which node runs pid N" for the whole cluster.
//
// Authority: the node that hosts a process is authoritative for its state;
// the pid's home node (HomeNodeOf(pid), the node that allocated it) is
// authoritative for where it is. Today a process never leaves its home, so
// home and host agree until a migration, whose source keeps a forwarding
// record (RecordMove) so lookups through it still find the process.
// Other nodes learn hosted pids from heartbeats, which answers most lookups
// without a round trip, and ask the home node (Peer.Locate) otherwise.
// Processes of a member that died or restarted are remembered as lost, until
// some member reports them running (a member declared dead that was only cut
// off comes back with its processes).
#pragma once

#include <deque>
#include <map>
#include <string>

#include "clusterd/daemon/peer_clients.h"
#include "clusterd/daemon/registry.h"
#include "clusterd/process_host.h"
#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd {

struct Location {
  enum class Kind : uint8_t { kHere, kThere, kLost, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string node;  // kThere: the host; kLost: where it was.
};

struct LostProcess {
  uint64_t pid = 0;
  std::string node;
  uint64_t lost_unix_ms = 0;
};

class Directory {
 public:
  // All references must outlive the directory.
  Directory(std::string self, ProcessHost& host, Registry& registry, PeerClients& peers)
      : self_(std::move(self)), host_(host), registry_(registry), peers_(peers) {}

  // From this node's knowledge alone (what Peer.Locate answers).
  Location LocateKnown(uint64_t pid) const;
  // LocateKnown, then the pid's home node over Peer.Locate.
  Location Locate(uint64_t pid) const;

  // Remembers the processes a dead or restarted member hosted as lost, and
  // forgets those a member reports running again (a healed partition, or a
  // restore that kept the pid). Gives the pids found again.
  std::vector<uint64_t> OnMemberChange(const MemberChange& change);
  std::vector<LostProcess> Lost() const;
  // Remembers one process as lost on `node` (a move's destination that
  // restarted after it started the process there).
  void RecordLost(uint64_t pid, const std::string& node);

  // Called by the source of a migration before its commit (Migrator), so
  // LocateKnown answers with the new host at once, before heartbeats tell.
  // TODO(migrate): also on the pid's home node, durably.
  void RecordMove(uint64_t pid, const std::string& node);
  // The commit failed: the process runs where it was.
  void ForgetMove(uint64_t pid);

 private:
  void RememberLostLocked(uint64_t pid, const std::string& node, uint64_t now_ms) REQUIRES(mu_);

  const std::string self_;
  ProcessHost& host_;
  Registry& registry_;
  PeerClients& peers_;
  mutable Mutex mu_;
  std::map<uint64_t, std::string> moved_ GUARDED_BY(mu_);  // Home records.
  std::map<uint64_t, LostProcess> lost_ GUARDED_BY(mu_);
  std::deque<uint64_t> lost_order_ GUARDED_BY(mu_);  // For the bound.
};

}  // namespace shoal::clusterd
