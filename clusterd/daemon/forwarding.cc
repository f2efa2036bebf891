#include "clusterd/daemon/forwarding.h"

namespace shoal::clusterd {

void InheritDeadline(const grpc::ServerContext& from, grpc::ClientContext& to, bool unbounded_ok) {
  auto deadline = from.deadline();
  if (deadline == std::chrono::system_clock::time_point::max() && !unbounded_ok) {
    deadline = std::chrono::system_clock::now() + kForwardTimeout;
  }
  to.set_deadline(deadline);
  // A peer that just restarted may still be in our channel's reconnect
  // backoff: wait for the connection (bounded by the deadline) rather than
  // fail at once. Unbounded calls fail fast instead of hanging on a dead node.
  if (deadline != std::chrono::system_clock::time_point::max()) to.set_wait_for_ready(true);
}

grpc::Status Relayed(const grpc::Status& status, const std::string& node) {
  if (status.ok()) return status;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return grpc::Status(status.error_code(),
                        "node " + node + " did not answer: " + status.error_message());
  }
  return status;
}

}  // namespace shoal::clusterd
