// DataPlane: this node's end of the object protocol between nodes
// (ARCHITECTURE.md, invariant 7; docs/remote.md, "Between nodes").
//
// It runs a kj loop of its own (kernel/remote/loop.h), listens on
// --data-listen, and keeps at most one connection per peer node, made on
// demand: the first use of a peer dials it by name (its data address comes
// from membership) over the transport (kernel/remote/transport.h: TLS with
// the node certificates, whose names must match; plain TCP on loopback with
// --insecure-dev). Each connection offers the peer this node's Node
// bootstrap (proto/node.capnp, node_server.h) and gives this node the
// peer's.
//
// One connection per pair of nodes. After the transport's handshake the
// dialler sends a hello and the acceptor answers it:
//   accept  nothing stands in the way: both sides use this connection;
//   defer   the acceptor is dialling the dialler too and its name sorts
//           first, so its own connection wins: the dialler drops this one
//           and waits for the acceptor's (whoever dials, the connection of
//           the smaller name survives a simultaneous dial);
//   alive   the acceptor still holds a live connection with the dialler: the
//           dialler says "replace" when it has none itself (it restarted, or
//           saw that connection break first), else "keep" (a simultaneous
//           dial it lost), and both act on that.
// Reconnects: when a connection's link goes (the peer died or restarted, the
// socket closed, or membership declared the peer dead and Disconnect() was
// called), it is forgotten and its calls fail with kPeerGone; the next use
// dials again.
//
// Threading: the loop owns every connection and capability. Methods marked
// "loop thread" run there; the rest may be called from any other thread, and
// never block a caller past the deadline it gives (gRPC handlers wait with a
// deadline; scheduler workers use the callback forms only).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clusterd/daemon/node_server.h"
#include "clusterd/daemon/post_copy_source.h"
#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/remote/connection.h"
#include "kernel/remote/loop.h"
#include "kernel/remote/tls_stream.h"
#include "kernel/remote/transport.h"
#include "migrate/page_stream.h"
#include "proto/node.capnp.h"

namespace shoal::clusterd {

struct DataPlaneOptions {
  std::string self;  // This node's name (what its certificate proves).
  std::string listen = "127.0.0.1:7600";
  // The node certificate, key and cluster CA; null: --insecure-dev (plain
  // TCP, loopback only).
  std::optional<kernel::remote::TlsIdentity> tls;
  // Where node `name`'s data plane listens, as membership knows it:
  // kNotFound for a node it does not know, kPeerGone for a dead one. Called
  // on the loop thread; must answer at once.
  std::function<Result<std::string>(const std::string& name)> resolve;
  // What peers reach through this node's Node: its host directories by
  // absolute path and its spawner (node_server.h).
  NodeServices services;
  // Bound on making one connection: TCP, TLS and the hello.
  std::chrono::milliseconds connect_timeout{5000};
};

// A peer's Node capability and the link of its connection. Loop thread.
struct PeerNode {
  proto::rpc::Node::Client node;
  std::shared_ptr<kernel::remote::Link> link;
};

struct OutboundState;  // data_plane_migrate.cc

class DataPlane {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Starts the loop and listens. Errors: kInvalidArgs (TLS material that
  // does not load, a non-loopback address without TLS), kIoError (the
  // address cannot be bound).
  static Result<std::unique_ptr<DataPlane>> Start(DataPlaneOptions options);
  // Close(), then stops the loop. Not from the loop thread.
  ~DataPlane();
  DataPlane(const DataPlane&) = delete;
  DataPlane& operator=(const DataPlane&) = delete;

  // The bound address ("127.0.0.1:7600"; the chosen port for port 0).
  const std::string& address() const { return address_; }
  const std::shared_ptr<kernel::remote::Loop>& loop() const { return loop_; }

  // Loop thread: the Node of `peer`, over the live connection or a new one.
  // Errors: kInvalidArgs (this node itself), resolve()'s, kPeerGone
  // (unreachable, dead, refused, or no connection within the connect
  // timeout), kAccessDenied (the peer's certificate does not prove its name).
  kj::Promise<Result<PeerNode>> Node(const std::string& peer);

  // Opens host directory `path` of node `peer` as a Directory handle entry
  // (a proxy) with at most `rights`. `done` runs exactly once: on the loop
  // thread, or on the caller's when the data plane has stopped. Errors:
  // Node()'s, the peer's (kNotFound for no such directory), kMalformed when
  // the peer answers with something else than a directory.
  using OpenDone = std::function<void(Result<kernel::HandleEntry> entry)>;
  void OpenDirectory(std::string peer, std::string path, kernel::Rights rights, OpenDone done);
  // The same, waiting at most until `deadline` (then kPeerGone): for
  // threads that may block (gRPC handlers), never a scheduler worker.
  Result<kernel::HandleEntry> OpenDirectory(const std::string& peer, const std::string& path,
                                            kernel::Rights rights, Deadline deadline);

  // The spawner of node `peer` as a Spawner handle entry (a proxy), like
  // OpenDirectory. Errors: Node()'s, kNotSupported when the peer serves
  // none, kMalformed when it answers with something else than a spawner.
  void OpenSpawner(std::string peer, OpenDone done);

  // How OpenDevice imports the handle a peer answers: through the link of
  // the connection, or a link of the caller's that goes when that one does
  // and also when the caller says (a mount's: mount_provider.h). Loop
  // thread.
  using ImportVia = std::function<std::shared_ptr<kernel::remote::Link>(
      const std::shared_ptr<kernel::remote::Link>& connection)>;
  // Opens device `path` (below /dev/) of node `peer` (Node.openDevice) as
  // a handle entry (a proxy of whatever type the device is) with at most
  // `rights`, imported through `via` (null: the connection's link). Like
  // OpenDirectory; errors: Node()'s, the peer's (kNotFound for no such
  // device, kAccessDenied outside /dev/).
  void OpenDevice(std::string peer, std::string path, kernel::Rights rights, ImportVia via,
                  OpenDone done);

  // One process being sent to a peer (data_plane_migrate.cc): prepared
  // there, not running. Destroying it before a successful Commit aborts:
  // the peer drops what it received.
  class Outbound {
   public:
    explicit Outbound(std::shared_ptr<OutboundState> state);
    ~Outbound();
    // The bytes of the module sent ahead: 0 when the peer had it.
    uint64_t module_bytes_sent() const { return module_bytes_sent_; }

   private:
    friend class DataPlane;
    std::shared_ptr<OutboundState> state_;  // Lives on the loop.
    uint64_t module_bytes_sent_ = 0;
    // A pre-copy's or post-copy's page stream, used by the caller's thread.
    std::unique_ptr<migrate::PageStreamSender> pages_;
  };
  // Opens the move of process `pid` to `peer` (Node.migrateIn), named
  // `move_id` (random, for Peer.MoveOutcome), with an image of
  // `image_bytes`, or of a size told with the image (0: a pre-copy, whose
  // image is made after its pages went ahead), and sends `module` (whose
  // SHA-256 is `module_sha256`) ahead unless it is null or the peer has it
  // already; `post_copy` asks for a post-copy. Errors: Node()'s, the
  // peer's refusal (the pid runs there, too large, no post-copy there),
  // kPeerGone when the link broke or the deadline passed.
  Result<std::unique_ptr<Outbound>> OpenMigration(
      const std::string& peer, uint64_t pid, uint64_t move_id, uint64_t image_bytes,
      std::shared_ptr<const std::vector<uint8_t>> module, const kernel::Sha256& module_sha256,
      Deadline deadline, bool post_copy = false);
  // Ends the page stream and returns once the peer has laid every page
  // sent on it into place, or with why it did not (its refusal; kPeerGone
  // when the stream broke). Once, after the last SendPages.
  VoidResult FinishPages(Outbound& outbound);
  // Post-copy, before SendImage: has the peer make memories of
  // `memory_pages` Wasm pages each, hands it `source` for the pages its
  // process touches first, and keeps its sink for SendLazyPages.
  VoidResult StartPostCopy(Outbound& outbound, std::shared_ptr<PostCopySource> source,
                           std::vector<uint32_t> memory_pages, Deadline deadline);
  // Post-copy, once committed: pages of memory `index` into the peer's
  // sink (PageSink.pages, on the connection), paced by its stream window.
  VoidResult SendLazyPages(Outbound& outbound, uint32_t index,
                           std::shared_ptr<capnp::MallocMessageBuilder> batch, Deadline deadline);
  // Post-copy: every page was sent; answers once the peer has them all in
  // place, with how many pages its process fetched itself.
  Result<uint64_t> FinishPostCopy(Outbound& outbound, Deadline deadline);
  // Sends pages of memory `index` ahead on the move's page stream
  // (migrate/page_stream.h; `batch` made with RawPages::kFollowing), from
  // the caller's thread, and returns once the socket took them, so a
  // caller producing batches is paced by the link. kPeerGone when the
  // stream broke or took nothing for migrate::kPageStreamStall.
  VoidResult SendPages(Outbound& outbound, uint32_t index, const migrate::PageBatch& batch);
  // Sends a frozen process's `image` (migrate/image_codec.h, live objects
  // allowed) in 1 MiB writes, with `objects` (its live handles, in image
  // order) as capabilities, and has the peer prepare it. Errors: the
  // peer's refusal (the image, the pid, its size), kPeerGone when the link
  // broke or the deadline passed.
  VoidResult SendImage(Outbound& outbound, std::shared_ptr<const std::vector<uint8_t>> image,
                       std::vector<kernel::HandleEntry> objects, Deadline deadline);
  // OpenMigration and SendImage: a stop-and-copy move.
  Result<std::unique_ptr<Outbound>> SendProcess(const std::string& peer, uint64_t pid,
                                                uint64_t move_id,
                                                std::shared_ptr<const std::vector<uint8_t>> image,
                                                std::vector<kernel::HandleEntry> objects,
                                                Deadline deadline);
  // What a commit answered: the process there, and when it first ran
  // there, told as times after the commit came (Migration.commit).
  struct Committed {
    kernel::HandleEntry process;  // A proxy.
    MonotonicNs sent_ns = 0;      // When the commit left, on this node's clock.
    MonotonicNs answered_ns = 0;  // When its answer came, on this node's clock.
    uint64_t started_after_ns = 0;
    uint64_t answered_after_ns = 0;
    // When it first ran there, on this node's clock: the commit's way
    // there taken as half its round trip, less the peer's time. nullopt:
    // it had not run there yet when the answer left.
    std::optional<MonotonicNs> StartedNs() const;
  };
  // Has the peer run the prepared process and answers its process handle.
  // kPeerGone when the link broke or the deadline passed: then whether the
  // peer runs it is unknown (ask it another way).
  Result<Committed> Commit(Outbound& outbound, Deadline deadline);

  // Drops the connection with `peer`, if any (membership saw it die or
  // restart, or a fault point cuts it): its calls fail with kPeerGone,
  // `why` in their message; the next use dials again.
  void Disconnect(const std::string& peer, std::string why);

  // Stops listening and closes every connection; later calls fail with
  // kPeerGone. Idempotent.
  void Close();

  // Live connections (for tests and metrics); waits for the loop.
  size_t connections();

 private:
  struct Peer;
  enum class Hello : uint8_t;
  explicit DataPlane(DataPlaneOptions options);

  // Sends one request to a peer's Node and imports the handle it answers
  // (loop thread).
  using Ask = std::function<kj::Promise<Result<kernel::HandleEntry>>(PeerNode& node)>;
  // Runs `ask` on `peer`'s Node and calls `done` as OpenDirectory does;
  // `what` names the request in errors ("node X cannot <what>: ...").
  void Fetch(std::string peer, std::string what, Ask ask, OpenDone done);

  // Loop thread.
  void StartDial(const std::string& peer);
  kj::Promise<void> Propose(const std::string& peer, kernel::remote::PeerStream stream);
  kj::Promise<void> Answer(kernel::remote::PeerStream stream);
  void Install(const std::string& peer, kj::Own<kj::AsyncIoStream> stream,
               kernel::remote::Connection::Side side);
  void DialEnded(const std::string& peer, const std::optional<Error>& error);
  bool Live(const Peer& peer) const;
  PeerNode NodeOf(const Peer& peer) const;
  void Drop(Peer& peer);

  const DataPlaneOptions options_;
  std::string address_;
  std::shared_ptr<const kernel::remote::TlsContext> page_tls_;  // Null without TLS.
  std::shared_ptr<kernel::remote::Loop> loop_;
  // Loop thread.
  std::unique_ptr<kernel::remote::Transport> transport_;
  kj::Own<kernel::remote::Transport::Listener> listener_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;
  std::unique_ptr<kj::TaskSet> tasks_;
  std::unique_ptr<kj::TaskSet::ErrorHandler> errors_;
  bool closed_ = false;
};

// Runs `start` and waits until the open it starts answers or `deadline`
// passes (then kPeerGone with the message `late`; the answer, when it
// comes, is dropped). For threads that may block, never a scheduler
// worker.
Result<kernel::HandleEntry> AwaitOpen(const std::function<void(DataPlane::OpenDone)>& start,
                                      DataPlane::Deadline deadline, const std::string& late);

}  // namespace shoal::clusterd
