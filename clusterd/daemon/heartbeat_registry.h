// HeartbeatRegistry: membership from a static list of peer addresses and
// heartbeats over the Peer service.
//
// Every node sends a Heartbeat (carrying its name, id, addresses,
// incarnation and hosted processes) to every known peer address each
// interval, and the answer carries the peer's. A node not heard from (in
// either direction) for `suspect` is suspect, for `dead` dead: its
// processes are lost. Hearing from it again makes it up (rejoin); a new
// incarnation means it restarted, and what the old one hosted is lost too.
// A heartbeat from an address not in the list is a join: the sender is
// added and heartbeated back.
//
// Heartbeats also carry this node's events (event_log.h) to each peer: a
// loop per peer remembers how far that peer has acknowledged them and sends
// the rest, a bounded batch per heartbeat. A heartbeat answer is believed
// only when the answering server's certificate names the node it claims to
// be (peer_identity.h).
#pragma once

#include <map>
#include <set>
#include <thread>

#include "clusterd/daemon/event_log.h"
#include "clusterd/daemon/metrics.h"
#include "clusterd/daemon/peer_clients.h"
#include "clusterd/daemon/peer_identity.h"
#include "clusterd/daemon/registry.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd {

struct HeartbeatTimings {
  std::chrono::milliseconds interval{500};
  std::chrono::milliseconds suspect{2000};
  std::chrono::milliseconds dead{5000};
};

class HeartbeatRegistry : public Registry {
 public:
  // `self_info` describes this node now; called on registry threads and
  // from Members(). `peers`, `events` and `metrics` must outlive the
  // registry.
  HeartbeatRegistry(std::function<shoal::peer::v1::MemberInfo()> self_info,
                    std::vector<std::string> seeds, HeartbeatTimings timings, PeerClients& peers,
                    EventLog& events, Metrics& metrics, PeerIdentityCheck identity);
  ~HeartbeatRegistry() override { Stop(); }

  std::vector<Member> Members() const override;
  std::optional<Member> FindByName(const std::string& name) const override;
  std::optional<Member> FindById(uint32_t node_id) const override;
  void SetListener(Listener listener) override { listener_ = std::move(listener); }
  void Start() override;
  void Stop() override;

  // An incoming heartbeat (from the Peer service). Returns this node's info.
  // kAlreadyExists when the sender's name or node id clashes with another
  // member's.
  Result<shoal::peer::v1::MemberInfo> OnHeartbeat(const shoal::peer::v1::MemberInfo& from);

 private:
  VoidResult HeardLocked(const shoal::peer::v1::MemberInfo& info,
                         std::vector<MemberChange>& changes) REQUIRES(mu_);
  void EnsureLoopLocked(const std::string& address) REQUIRES(mu_);
  void PeerLoop(std::string address);
  void DetectorLoop();
  void Notify(const std::vector<MemberChange>& changes);
  Member SelfMember() const;

  const std::function<shoal::peer::v1::MemberInfo()> self_info_;
  const std::vector<std::string> seeds_;
  const HeartbeatTimings timings_;
  PeerClients& peers_;
  EventLog& events_;
  Metrics& metrics_;
  const PeerIdentityCheck identity_;
  Listener listener_;
  std::string self_name_;
  std::string self_peer_address_;
  uint32_t self_node_id_ = 0;

  mutable Mutex mu_;
  CondVar wake_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::map<std::string, Member> members_ GUARDED_BY(mu_);  // Others, by name.
  std::set<std::string> loop_addresses_ GUARDED_BY(mu_);
  std::vector<std::thread> threads_ GUARDED_BY(mu_);
};

}  // namespace shoal::clusterd
