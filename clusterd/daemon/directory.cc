#include "clusterd/daemon/directory.h"

#include <algorithm>

#include "clusterd/daemon/pid.h"

namespace shoal::clusterd {
namespace {

constexpr size_t kMaxLost = 4096;  // Lost processes remembered.
constexpr auto kLocateTimeout = std::chrono::seconds(2);

uint64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Location Directory::LocateKnown(uint64_t pid) const {
  // One pid may have several records: a migrated process leaves none
  // behind, but a checkpoint restored elsewhere under its pid leaves the
  // original's end on its node, and a process restored from a lost node's
  // checkpoint leaves the loss. A running process wins, then this node's
  // record of a move, an end elsewhere (the newer incarnation: the stopped
  // original stays here), an end here, a loss.
  std::optional<ProcessInfo> here = host_.Get(pid);
  if (here && here->running()) return {Location::Kind::kHere, self_};
  std::optional<Location> ended_there;
  for (const Member& m : registry_.Members()) {
    if (m.self || m.state == MemberState::kDead) continue;
    for (const HostedProcess& p : m.processes) {
      if (p.pid != pid) continue;
      if (p.running) return {Location::Kind::kThere, m.name};
      if (!ended_there) ended_there = Location{Location::Kind::kThere, m.name};
    }
  }
  MutexLock lock(&mu_);
  if (auto it = moved_.find(pid); it != moved_.end()) return {Location::Kind::kThere, it->second};
  if (ended_there) return *ended_there;
  if (here) return {Location::Kind::kHere, self_};
  if (auto it = lost_.find(pid); it != lost_.end()) return {Location::Kind::kLost, it->second.node};
  return {};
}

Location Directory::Locate(uint64_t pid) const {
  Location known = LocateKnown(pid);
  if (known.kind != Location::Kind::kUnknown) return known;
  std::optional<Member> home = registry_.FindById(HomeNodeOf(pid));
  if (!home || home->self || home->state == MemberState::kDead) return known;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kLocateTimeout);
  shoal::peer::v1::LocateRequest request;
  request.set_pid(pid);
  shoal::peer::v1::LocateResponse response;
  grpc::Status status = peers_.For(home->peer_address)->Locate(&context, request, &response);
  if (!status.ok() || !response.found()) return known;
  return {Location::Kind::kThere, response.node()};
}

std::vector<uint64_t> Directory::OnMemberChange(const MemberChange& change) {
  MutexLock lock(&mu_);
  if (change.kind == MemberChange::Kind::kDead || change.kind == MemberChange::Kind::kRestarted) {
    uint64_t now = UnixMs();
    for (const HostedProcess& p : change.previous) {
      // Ended ones were not lost, but their output is.
      if (p.running) RememberLostLocked(p.pid, change.member.name, now);
    }
  }
  std::vector<uint64_t> found;
  if (change.kind == MemberChange::Kind::kSuspect || change.kind == MemberChange::Kind::kDead) {
    return found;
  }
  for (const HostedProcess& p : change.member.processes) {
    if (p.running && lost_.erase(p.pid) > 0) {
      lost_order_.erase(std::find(lost_order_.begin(), lost_order_.end(), p.pid));
      found.push_back(p.pid);
    }
  }
  return found;
}

void Directory::RecordLost(uint64_t pid, const std::string& node) {
  MutexLock lock(&mu_);
  RememberLostLocked(pid, node, UnixMs());
}

void Directory::RememberLostLocked(uint64_t pid, const std::string& node, uint64_t now_ms) {
  auto [it, added] = lost_.insert_or_assign(pid, LostProcess{pid, node, now_ms});
  if (added) lost_order_.push_back(pid);
  while (lost_order_.size() > kMaxLost) {
    lost_.erase(lost_order_.front());
    lost_order_.pop_front();
  }
}

std::vector<LostProcess> Directory::Lost() const {
  MutexLock lock(&mu_);
  std::vector<LostProcess> out;
  for (const auto& [pid, l] : lost_) out.push_back(l);
  return out;
}

void Directory::RecordMove(uint64_t pid, const std::string& node) {
  MutexLock lock(&mu_);
  moved_[pid] = node;
}

void Directory::ForgetMove(uint64_t pid) {
  MutexLock lock(&mu_);
  moved_.erase(pid);
}

}  // namespace shoal::clusterd
