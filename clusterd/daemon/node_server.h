// The Node bootstrap (proto/node.capnp) this node offers each peer over the
// data plane (data_plane.h), and the host directories it serves there.
//
// Trust model (see proto/node.capnp): only nodes holding a certificate of
// the cluster CA reach this, and a peer node is trusted like an
// administrator, so it may open any host directory of this node, as an
// admin's Spawn may preopen one.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "clusterd/daemon/module_store.h"
#include "clusterd/daemon/post_copy_sink.h"
#include "kernel/base/clock.h"
#include "kernel/base/file_io.h"
#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/object/process_ops.h"
#include "kernel/object/provider.h"
#include "kernel/object/spawner.h"
#include "kernel/remote/link.h"
#include "kernel/remote/tls_stream.h"
#include "kernel/vm/runtime.h"
#include "proto/node.capnp.h"

namespace shoal::clusterd {

// Opens directory `path` (absolute, in normal form) of this node for a peer,
// with at most `requested` rights. Answers at once, on the data plane's loop
// thread.
using DirectoryOpener =
    std::function<Result<kernel::HandleEntry>(const std::string& path, kernel::Rights requested)>;

// Opens `path` (normal form, below /dev/) of this node's kernel root
// namespace for a peer, with at most `requested` rights; `done` may run on
// any thread (a mount of this node answers when its source does).
using DeviceOpener = std::function<void(const std::string& path, kernel::Rights requested,
                                        kernel::Provider::OpenDone done)>;

// A process that migrated here, built from its image and checked, holding
// its pid, not yet running. Destroying it before Start() drops it.
class IncomingProcess {
 public:
  virtual ~IncomingProcess() = default;
  virtual uint64_t pid() const = 0;
  // Runs it; answers its process object. With `durable`, which makes its
  // arrival durable (ArrivalLog::RecordCommit), it runs meanwhile with its
  // effects held (kernel::Kernel::Start's `effects_after`): its first
  // instruction here does not wait for the disk. When `durable` fails, it
  // is killed, having left no trace, and its error is answered.
  virtual Result<kernel::Ref<kernel::ProcessOps>> Start(
      const std::function<VoidResult()>& durable = {}) = 0;
  // When it first ran here (MonotonicNow), or 0: its first instruction.
  virtual MonotonicNs first_step_ns() const = 0;
};

// Migration.commit's startedAfterNs for a process that had not run yet
// when the answer left.
inline constexpr uint64_t kNotStartedYet = UINT64_MAX;

// What came of a migrating process.
struct ArrivingProcess {
  std::span<const uint8_t> image;
  std::vector<kernel::HandleEntry> objects;  // Of its live handles, in order.
  // What a pre-copy sent ahead: the memories and the module (the image
  // then carries only its hash); empty when the image is whole.
  std::vector<std::unique_ptr<vm::Memory>> memories_ahead;
  // Checked against the hash migrateIn named (module_sha256), or this
  // node's own copy (ModuleStore).
  std::shared_ptr<const std::vector<uint8_t>> module;
  kernel::Sha256 module_sha256{};
  uint64_t move_id = 0;  // The source's name for the move (Node.migrateIn).
  std::string from;      // The node it came from; "" for a restored file.
};

// Builds a migrating process from what came (KernelProcessHost::Receive).
// Loop thread.
using MigrationReceiver =
    std::function<Result<std::unique_ptr<IncomingProcess>>(ArrivingProcess arriving)>;

// Has a module a move brought ahead compiled into the kernel's cache
// before the freeze (AheadCompiler::Add); the future is ready once it is,
// invalid when it will not be (prepare compiles it then). A failure is
// prepare's to answer. Loop thread.
using ModuleCompiler =
    std::function<std::shared_future<void>(std::shared_ptr<const std::vector<uint8_t>> module)>;

// What a node serves its peers.
struct NodeServices {
  DirectoryOpener directories;                   // Null: openDirectory answers kNotSupported.
  DeviceOpener devices;                          // Null: openDevice answers kNotSupported.
  kernel::Ref<kernel::SpawnerOps> spawner;       // Null: spawner answers kNotSupported.
  MigrationReceiver migrations;                  // Null: migrateIn answers kNotSupported.
  ModuleStore* modules = nullptr;                // Null: migrateIn never answers hasModule.
  ModuleCompiler compile_module;                 // Null: modules ahead compile at prepare.
  uint64_t max_image_bytes = uint64_t{5} << 30;  // migrateIn refuses larger images.
  PostCopyHooks post_copy_hooks;                 // For the post-copies arriving.
  // Where moves' page streams are listened for (the data plane's host; set
  // by the data plane) and their TLS (null: insecure dev mode). Empty
  // host: pre-copies and post-copies are refused.
  std::string page_host;
  std::shared_ptr<const kernel::remote::TlsContext> page_tls;
};

// A Node capability for the peer of `link`. openDirectory takes an absolute
// path (put in normal form: "/srv//data/" is "/srv/data"; kInvalidArgs for a
// relative one), opens it with `services.directories` and exports what it
// opened with the rights granted; openDevice refuses paths outside /dev/
// (kAccessDenied) and exports what `services.devices` opens; spawner
// exports `services.spawner`. Loop thread.
proto::rpc::Node::Client ServeNode(const std::shared_ptr<kernel::remote::Link>& link,
                                   NodeServices services);

// The host's directories: opens `path` as a kernel Directory whose files do
// their IO on `io` (the kernel's reactor), with the rights asked for, at
// most kRead | kWrite | kDuplicate | kTransfer | kWait. kNotFound / kIoError
// when it cannot be opened as a directory. `io` must outlive the opener and
// everything it opened.
DirectoryOpener HostDirectories(FileIo& io);

}  // namespace shoal::clusterd
