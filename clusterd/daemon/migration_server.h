// The destination's side of one live migration: the Migration capability
// (proto/node.capnp) a node answers migrateIn with. It keeps the pages a
// pre-copy sends ahead (at most `max_bytes` of memory, as for the image),
// collects the image as the source writes it, prepares the process on `prepare` (the
// MigrationReceiver builds and checks it; nothing runs), starts it on
// `commit` and answers its process handle. Abort, or the capability's
// release before commit (the source gave up or its connection broke),
// drops whatever it received: a process runs here only after commit.
//
// Threading: the data plane's loop thread.
#pragma once

#include <memory>

#include "clusterd/daemon/node_server.h"
#include "clusterd/daemon/post_copy_sink.h"
#include "kernel/remote/link.h"
#include "proto/node.capnp.h"

namespace shoal::clusterd {

// What Node.migrateIn said of the move.
struct IncomingMove {
  uint64_t pid = 0;
  uint64_t move_id = 0;
  uint64_t image_bytes = 0;  // 0: told later (expectImage).
  uint64_t max_bytes = 0;    // Of the image, the module, the memories.
  // The module a pre-copy named (all zero: none), and this node's copy of
  // it, if it has one: then it is not sent.
  kernel::Sha256 module_sha256{};
  std::shared_ptr<const std::vector<uint8_t>> module;
  // A post-copy's (migrateIn's postCopy): null for any other move.
  std::unique_ptr<migrate::UserFaults> faults;
  PostCopyHooks post_copy_hooks;
};

proto::rpc::Migration::Client ServeMigration(const std::shared_ptr<kernel::remote::Link>& link,
                                             MigrationReceiver receiver, IncomingMove move);

}  // namespace shoal::clusterd
