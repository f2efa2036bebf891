#include "clusterd/daemon/nodes_provider.h"

namespace shoal::clusterd {

void NodesProvider::OpenAsync(std::string_view relative, kernel::Rights requested, OpenDone done) {
  if (relative.empty() || relative.find('/') != std::string_view::npos) {
    return done(MakeError(Status::kNotFound, "/nodes has one entry per node: /nodes/NAME, not \"" +
                                                 std::string(relative) + "\""));
  }
  const kernel::Rights grantable = kernel::DefaultRights(kernel::ObjectType::kSpawner);
  if (!IsSubset(requested, grantable)) {
    return done(MakeError(Status::kAccessDenied,
                          "a node's spawner grants at most manage, "
                          "duplicate and transfer"));
  }
  if (relative == self_) return done(kernel::HandleEntry{own_, requested});
  data_plane_.OpenSpawner(std::string(relative),
                          [requested, done = std::move(done)](Result<kernel::HandleEntry> entry) {
                            if (entry.ok()) entry->rights = entry->rights & requested;
                            done(std::move(entry));
                          });
}

}  // namespace shoal::clusterd
