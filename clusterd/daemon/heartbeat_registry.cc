#include "clusterd/daemon/heartbeat_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace shoal::clusterd {

using shoal::peer::v1::MemberInfo;
using Clock = std::chrono::steady_clock;

std::string_view MemberStateName(MemberState state) {
  switch (state) {
    case MemberState::kUp:
      return "up";
    case MemberState::kSuspect:
      return "suspect";
    case MemberState::kDead:
      return "dead";
  }
  return "unknown";
}

namespace {

std::vector<HostedProcess> ProcessesOf(const MemberInfo& info) {
  std::vector<HostedProcess> out;
  for (const auto& p : info.processes()) out.push_back({p.pid(), p.running()});
  return out;
}

MemberLoad LoadOf(const MemberInfo& info) {
  const auto& l = info.load();
  return MemberLoad{l.workers(),      l.busy_workers(), l.run_queue(), l.cpu_permille(),
                    l.memory_bytes(), l.memory_total_bytes()};
}

// What a member says of itself, into `m`.
void TakeInfo(const MemberInfo& info, Member& m) {
  m.name = info.name();
  m.node_id = info.node_id();
  m.peer_address = info.peer_address();
  m.admin_address = info.admin_address();
  m.data_address = info.data_address();
  m.devices.assign(info.devices().begin(), info.devices().end());
  m.incarnation = info.incarnation();
  m.processes = ProcessesOf(info);
  m.load = LoadOf(info);
}

bool SameProcesses(const std::vector<HostedProcess>& a, const std::vector<HostedProcess>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const HostedProcess& x, const HostedProcess& y) {
                      return x.pid == y.pid && x.running == y.running;
                    });
}

}  // namespace

HeartbeatRegistry::HeartbeatRegistry(std::function<MemberInfo()> self_info,
                                     std::vector<std::string> seeds, HeartbeatTimings timings,
                                     PeerClients& peers, EventLog& events, Metrics& metrics,
                                     PeerIdentityCheck identity)
    : self_info_(std::move(self_info)),
      seeds_(std::move(seeds)),
      timings_(timings),
      peers_(peers),
      events_(events),
      metrics_(metrics),
      identity_(identity) {
  MemberInfo self = self_info_();
  self_name_ = self.name();
  self_peer_address_ = self.peer_address();
  self_node_id_ = self.node_id();
}

Member HeartbeatRegistry::SelfMember() const {
  MemberInfo info = self_info_();
  Member m;
  TakeInfo(info, m);
  m.state = MemberState::kUp;
  m.last_heard = Clock::now();
  m.self = true;
  return m;
}

std::vector<Member> HeartbeatRegistry::Members() const {
  std::vector<Member> out = {SelfMember()};
  MutexLock lock(&mu_);
  for (const auto& [name, m] : members_) out.push_back(m);
  return out;
}

std::optional<Member> HeartbeatRegistry::FindByName(const std::string& name) const {
  if (name == self_name_) return SelfMember();
  MutexLock lock(&mu_);
  auto it = members_.find(name);
  if (it == members_.end()) return std::nullopt;
  return it->second;
}

std::optional<Member> HeartbeatRegistry::FindById(uint32_t node_id) const {
  Member self = SelfMember();
  if (self.node_id == node_id) return self;
  MutexLock lock(&mu_);
  for (const auto& [name, m] : members_) {
    if (m.node_id == node_id) return m;
  }
  return std::nullopt;
}

void HeartbeatRegistry::Start() {
  MutexLock lock(&mu_);
  for (const std::string& address : seeds_) EnsureLoopLocked(address);
  threads_.emplace_back(&HeartbeatRegistry::DetectorLoop, this);
}

void HeartbeatRegistry::Stop() {
  std::vector<std::thread> threads;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.SignalAll();
  for (std::thread& t : threads) t.join();
}

void HeartbeatRegistry::EnsureLoopLocked(const std::string& address) {
  if (stopping_ || address == self_peer_address_ || !loop_addresses_.insert(address).second) {
    return;
  }
  threads_.emplace_back(&HeartbeatRegistry::PeerLoop, this, address);
}

Result<MemberInfo> HeartbeatRegistry::OnHeartbeat(const MemberInfo& from) {
  metrics_.heartbeats_received++;
  std::vector<MemberChange> changes;
  {
    MutexLock lock(&mu_);
    TRY(HeardLocked(from, changes));
    // A join: heartbeat the newcomer back.
    EnsureLoopLocked(from.peer_address());
  }
  Notify(changes);
  return self_info_();
}

VoidResult HeartbeatRegistry::HeardLocked(const MemberInfo& info,
                                          std::vector<MemberChange>& changes) {
  if (info.name().empty() || info.name() == self_name_ || info.node_id() == self_node_id_) {
    return MakeError(Status::kAlreadyExists,
                     "node '" + info.name() + "' (id " + std::to_string(info.node_id()) +
                         ") clashes with this node '" + self_name_ + "' (id " +
                         std::to_string(self_node_id_) + "): names and ids must be unique");
  }
  for (const auto& [name, m] : members_) {
    if (name != info.name() && m.node_id == info.node_id()) {
      return MakeError(Status::kAlreadyExists, "node '" + info.name() + "' uses id " +
                                                   std::to_string(info.node_id()) +
                                                   ", already used by '" + name + "'");
    }
  }
  auto [it, added] = members_.try_emplace(info.name());
  Member& m = it->second;
  std::vector<HostedProcess> previous = m.processes;
  bool restarted = !added && m.incarnation != info.incarnation();
  bool back = !added && m.state != MemberState::kUp;
  TakeInfo(info, m);
  m.state = MemberState::kUp;
  m.last_heard = Clock::now();
  if (added || back) {
    spdlog::info("member {} ({}) is up{}", m.name, m.peer_address, back ? " again" : "");
    changes.push_back({MemberChange::Kind::kUp, m, {}});
  }
  if (restarted) {
    spdlog::warn("member {} restarted (incarnation {})", m.name, m.incarnation);
    changes.push_back({MemberChange::Kind::kRestarted, m, previous});
  } else if (!SameProcesses(previous, m.processes)) {
    changes.push_back({MemberChange::Kind::kProcesses, m, previous});
  }
  return Ok();
}

void HeartbeatRegistry::PeerLoop(std::string address) {
  std::shared_ptr<shoal::peer::v1::Peer::Stub> stub = peers_.For(address);
  // This node's events up to here predate the peer's membership; later ones
  // are sent until the peer acknowledges them (a successful heartbeat).
  uint64_t forwarded = events_.own_seq();
  auto next = Clock::now();
  for (;;) {
    {
      MutexLock lock(&mu_);
      while (!stopping_) {
        if (!wake_.WaitUntil(mu_, next)) break;
      }
      if (stopping_) return;
    }
    next = Clock::now() + timings_.interval;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::max(timings_.interval, std::chrono::milliseconds(200)));
    shoal::peer::v1::HeartbeatRequest request;
    *request.mutable_from() = self_info_();
    for (auto& e : events_.OwnAfter(forwarded, EventLog::kMaxForwardBatch)) {
      *request.add_events() = std::move(e);
    }
    shoal::peer::v1::HeartbeatResponse response;
    grpc::Status status = stub->Heartbeat(&context, request, &response);
    if (status.ok()) {
      status = CheckPeerIdentity(identity_, context.auth_context().get(), response.self().name());
    }
    if (!status.ok()) {
      metrics_.heartbeats_failed++;
      // Refusals are configuration problems worth seeing; silence is the
      // failure detector's business.
      if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
          status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
          status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        spdlog::error("heartbeat to {} refused: {}", address, status.error_message());
      } else {
        spdlog::debug("heartbeat to {} failed: {}", address, status.error_message());
      }
      continue;
    }
    metrics_.heartbeats_sent++;
    if (!request.events().empty()) forwarded = request.events().rbegin()->origin_seq();
    std::vector<MemberChange> changes;
    {
      MutexLock lock(&mu_);
      VoidResult heard = HeardLocked(response.self(), changes);
      if (!heard.ok()) spdlog::error("peer {}: {}", address, heard.error().message);
    }
    Notify(changes);
  }
}

void HeartbeatRegistry::DetectorLoop() {
  auto period = std::max(timings_.interval / 2, std::chrono::milliseconds(20));
  for (;;) {
    std::vector<MemberChange> changes;
    {
      MutexLock lock(&mu_);
      auto deadline = Clock::now() + period;
      while (!stopping_) {
        if (!wake_.WaitUntil(mu_, deadline)) break;
      }
      if (stopping_) return;
      auto now = Clock::now();
      for (auto& [name, m] : members_) {
        auto silence = now - m.last_heard;
        if (m.state != MemberState::kDead && silence > timings_.dead) {
          spdlog::warn("member {} is dead (silent {} ms)", name,
                       std::chrono::duration_cast<std::chrono::milliseconds>(silence).count());
          std::vector<HostedProcess> lost = std::move(m.processes);
          m.processes.clear();
          m.state = MemberState::kDead;
          changes.push_back({MemberChange::Kind::kDead, m, std::move(lost)});
        } else if (m.state == MemberState::kUp && silence > timings_.suspect) {
          spdlog::warn("member {} is suspect", name);
          m.state = MemberState::kSuspect;
          changes.push_back({MemberChange::Kind::kSuspect, m, {}});
        }
      }
    }
    Notify(changes);
  }
}

void HeartbeatRegistry::Notify(const std::vector<MemberChange>& changes) {
  if (!listener_) return;
  for (const MemberChange& c : changes) listener_(c);
}

}  // namespace shoal::clusterd
