// The destination's side of one live migration: the Migration capability
// (proto/node.capnp) a node answers migrateIn with. It keeps the pages a
// pre-copy sends ahead (at most `max_bytes` of memory, as for the image),
// collects the image as the source writes it, prepares the process on `prepare` (the
// MigrationReceiver builds and checks it; nothing runs), starts it on
// `commit` and answers its process handle. Abort, or the capability's
// release before commit (the source gave up or its connection broke),
// drops whatever it received: a process runs here only after commit.
//
// A pre-copy's pages come on the move's page stream, laid into the staged
// memories by its own thread (migrate/page_stream.h); prepare takes them
// once it ended.
//
// Threading: the data plane's loop thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "clusterd/daemon/node_server.h"
#include "clusterd/daemon/post_copy_sink.h"
#include "kernel/remote/link.h"
#include "kernel/remote/tls_stream.h"
#include "migrate/page_stream.h"
#include "proto/node.capnp.h"

namespace shoal::clusterd {

// Where a move's page stream is listened for: the data plane's host and
// TLS context (null: the insecure development mode).
struct PageStreamPlace {
  std::string host;
  std::shared_ptr<const kernel::remote::TlsContext> tls;
};

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
  // Compiles that module once it is here, before the freeze (null: prepare
  // compiles it).
  ModuleCompiler compile_module;
  // A post-copy's (migrateIn's postCopy): null for any other move.
  std::unique_ptr<migrate::UserFaults> faults;
  PostCopyHooks post_copy_hooks;
  // A pre-copy's: where its page stream is listened for.
  std::optional<PageStreamPlace> page_stream;
};

// A move's Migration capability, and its page stream's port and token
// (port 0: none).
struct ServedMigration {
  proto::rpc::Migration::Client migration = nullptr;
  uint16_t page_port = 0;
  migrate::PageToken page_token{};
};

// Errors: kIoError when the page stream cannot be listened for.
Result<ServedMigration> ServeMigration(const std::shared_ptr<kernel::remote::Link>& link,
                                       MigrationReceiver receiver, IncomingMove move);

}  // namespace shoal::clusterd
