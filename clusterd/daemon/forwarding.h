// What the Admin service's calls share when they forward a call to the
// node it is about over the Peer service and relay the answer.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "clusterd/daemon/peer_clients.h"
#include "clusterd/daemon/registry.h"

namespace shoal::clusterd {

// The deadline a forwarded call gets when the admin call has none.
inline constexpr auto kForwardTimeout = std::chrono::seconds(5);

// A forwarded call's deadline: the admin call's own, or kForwardTimeout
// unless `unbounded_ok`.
void InheritDeadline(const grpc::ServerContext& from, grpc::ClientContext& to, bool unbounded_ok);

// `status` as the admin call answers it: UNAVAILABLE names `node`, which
// did not answer.
grpc::Status Relayed(const grpc::Status& status, const std::string& node);

// One member's answer to a call asked of every member.
template <typename Response>
struct PeerAnswer {
  std::string node;
  grpc::Status status;
  Response response;
};

// Asks every member but this node and the dead ones at once, with
// `call(stub, context, &response)`, each bounded by kForwardTimeout; the
// answers in member order. A member that does not answer in time has a
// failed status: it is reported, never waited on longer.
template <typename Response, typename Call>
std::vector<PeerAnswer<Response>> AskEveryPeer(const Registry& registry, PeerClients& peers,
                                               Call call) {
  std::vector<std::pair<std::string, std::future<std::pair<grpc::Status, Response>>>> calls;
  for (const Member& m : registry.Members()) {
    if (m.self || m.state == MemberState::kDead) continue;
    auto stub = peers.For(m.peer_address);
    calls.emplace_back(m.name, std::async(std::launch::async, [stub, call] {
                         grpc::ClientContext context;
                         context.set_deadline(std::chrono::system_clock::now() + kForwardTimeout);
                         Response r;
                         grpc::Status s = call(*stub, context, &r);
                         return std::pair{s, std::move(r)};
                       }));
  }
  std::vector<PeerAnswer<Response>> answers;
  for (auto& [name, pending] : calls) {
    auto [status, response] = pending.get();
    answers.push_back({name, status, std::move(response)});
  }
  return answers;
}

}  // namespace shoal::clusterd
