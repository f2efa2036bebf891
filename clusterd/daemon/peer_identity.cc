#include "clusterd/daemon/peer_identity.h"

#include <algorithm>

#include "kernel/remote/names.h"

namespace shoal::clusterd {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

}  // namespace

std::vector<std::string> CertificateNodeNames(const grpc::AuthContext& auth) {
  std::vector<std::string> out;
  if (!auth.IsPeerAuthenticated()) return out;
  for (const grpc::string_ref& id : auth.GetPeerIdentity()) {
    std::string name(id.data(), id.size());
    if (kernel::remote::IsNodeName(name) && std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(std::move(name));
    }
  }
  return out;
}

grpc::Status CheckPeerIdentity(PeerIdentityCheck check, const grpc::AuthContext* auth,
                               const std::string& claimed) {
  if (check == PeerIdentityCheck::kNone) return grpc::Status::OK;
  std::vector<std::string> names;
  if (auth != nullptr) names = CertificateNodeNames(*auth);
  if (names.empty()) {
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        "the peer presented no certificate naming a node, but claims to be '" + claimed + "'");
  }
  if (!claimed.empty() && std::find(names.begin(), names.end(), claimed) != names.end()) {
    return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      "the peer's certificate is for " + Join(names) +
                          ", but it claims to be node '" + claimed + "'");
}

std::string ClaimedPeerNode(const grpc::ServerContext& context) {
  auto it = context.client_metadata().find(kPeerNodeMetadata);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace shoal::clusterd
