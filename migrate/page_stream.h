// The page stream of a live migration (docs/migration.md, "The page
// stream"): the connection a pre-copy's rounds travel on, from the
// source's migrator thread straight to a thread of the destination that
// lays them into the memories staged there. The
// Cap'n Proto connection between the nodes carries the rest of the move
// (its opening, the image, prepare, commit); bulk pages on it went through
// the data plane's loop on both nodes, at 0.4x of plain TLS.
//
// The destination opens it for each pre-copy it takes
// (Node.migrateIn answers its port and a random token), listening on its
// data-plane host; the source connects from the thread that makes the
// batches. Both ends prove their node names with the node certificates
// (kernel/remote/blocking_stream.h), and the first bytes must carry the
// token, so only that move's source feeds that move's memories.
//
// Bytes on the stream (integers little-endian):
//   hello    source -> destination: "SHOALPG2", then the 16-byte token.
//   frame    source -> destination: kind (u32), memory index (u32), size
//            (u64), then `size` bytes:
//              kPages: one Cap'n Proto message (standard stream framing)
//                      whose root is an Image.Memory (page_batch.h), at
//                      most kMaxPageFrameBytes; after those `size` bytes,
//                      the bytes of its `following` runs, in run order,
//                      which the destination reads straight into the
//                      memory;
//              kEnd:   size 0, the last frame.
//   verdict  destination -> source, after kEnd or at the first frame it
//            refuses: status (u32, kernel Status; 0 is kOk), message size
//            (u32, at most kMaxVerdictBytes), the message.
//
// Threading: a sender is used by one thread; a receiver runs a thread of
// its own and is safe to ask from any other.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/remote/blocking_stream.h"
#include "migrate/page_batch.h"

namespace shoal::migrate {

using PageToken = std::array<uint8_t, 16>;

inline constexpr uint32_t kPageFramePages = 1;
inline constexpr uint32_t kPageFrameEnd = 2;
// A batch is 1 MiB of pages and its runs' framing; a frame well past that
// is refused before anything is allocated for it.
inline constexpr uint64_t kMaxPageFrameBytes = 16 << 20;
inline constexpr uint32_t kMaxVerdictBytes = 4096;
// How long a stream may move nothing before it counts as broken, on
// either side.
inline constexpr std::chrono::seconds kPageStreamStall{30};
// How long a refusing destination keeps reading (and dropping) what the
// source still sends, so that its verdict is not lost in a reset.
inline constexpr std::chrono::seconds kRefusalLinger{2};

// The destination's half after the hello: reads frames with `read` until
// kEnd, laying each batch into `into` and calling `on_batch` after each.
// Errors: `read`'s; kMalformed for a frame of an unknown kind, a size out
// of bounds, a message that does not decode; StagedMemories::Apply's.
VoidResult ReceivePages(const ReadBytes& read, StagedMemories& into,
                        const std::function<void()>& on_batch);

// The source's end: one move's stream, written by the thread that makes
// the batches, each write returning once the socket took it (so the link
// paces the rounds).
class PageStreamSender {
 public:
  // Connects to the page stream of node `peer` at `host`:`port` within
  // `connect_timeout` (the handshake included) and sends the hello with
  // `token`; later writes count as broken after kPageStreamStall without
  // progress. `tls` null: the insecure development mode. Errors:
  // BlockingStream::Connect's.
  static Result<std::unique_ptr<PageStreamSender>> Connect(
      const std::string& host, uint16_t port, const PageToken& token,
      const kernel::remote::TlsContext* tls, const std::string& peer,
      std::chrono::milliseconds connect_timeout);
  // Sends `batch` (made with RawPages::kFollowing) for memory `index`.
  // kPeerGone when the stream broke, with the destination's reason when it
  // gave one.
  VoidResult Send(uint32_t index, const PageBatch& batch);
  // Sends the end and waits for the verdict: Ok once every batch is laid
  // into the destination's memories; otherwise why not. Once only.
  VoidResult Finish();

 private:
  PageStreamSender(std::unique_ptr<kernel::remote::BlockingStream> stream, std::string peer)
      : stream_(std::move(stream)), peer_(std::move(peer)) {}
  VoidResult WriteHeader(uint32_t kind, uint32_t index, uint64_t size);
  // The destination's verdict; null when none could be read.
  std::optional<VoidResult> ReadVerdict();
  // The error to report for a write that failed with `broken`: the
  // destination's verdict, when it sent one before it closed.
  Error Refused(Error broken);

  std::unique_ptr<kernel::remote::BlockingStream> stream_;
  const std::string peer_;
};

// The destination's end: listens for one move's stream and lays its
// batches into staged memories on a thread of its own. A connection that
// fails the handshake or brings the wrong token is told why and closed,
// and the wait goes on for the source.
class PageStreamReceiver {
 public:
  struct Options {
    std::string host;                                 // Where to listen (the data plane's host).
    const kernel::remote::TlsContext* tls = nullptr;  // Null: insecure dev mode.
    std::string peer;                                 // The source node, which must prove its name.
    // Bounds the wait for the source's connection (connections that are
    // not it are refused meanwhile) and each later read that makes no
    // progress.
    std::chrono::milliseconds timeout = kPageStreamStall;
    // Bounds one connection's TLS handshake and hello.
    std::chrono::milliseconds handshake_timeout{5000};
    std::function<void()> on_batch;  // After each batch (a fault point), on the thread.
  };
  // Listens and starts the thread, which fills `into`; `into` must outlive
  // the receiver and is not touched by the caller until Verdict() answers.
  // Errors: kIoError when the host cannot be listened on.
  static Result<std::unique_ptr<PageStreamReceiver>> Start(Options options, StagedMemories& into);
  // Stops the thread (any wait or read ends at once) and joins it.
  ~PageStreamReceiver();
  PageStreamReceiver(const PageStreamReceiver&) = delete;
  PageStreamReceiver& operator=(const PageStreamReceiver&) = delete;

  uint16_t port() const { return listener_->port(); }
  const PageToken& token() const { return token_; }
  // Null while pages may still come; then how the stream ended: Ok after
  // kEnd with every batch laid in (the memories are the caller's again),
  // or the error that stopped it.
  std::optional<VoidResult> Verdict();

 private:
  PageStreamReceiver(Options options, StagedMemories& into,
                     std::unique_ptr<kernel::remote::BlockingListener> listener);
  void Run();
  VoidResult Serve();
  // The handshake and the hello with the token.
  VoidResult Open(kernel::remote::BlockingStream& stream);
  // Sends `verdict`; after a refusal, lingers (kRefusalLinger).
  void Reply(kernel::remote::BlockingStream& stream, const VoidResult& verdict);
  // The connection is about to close: Shutdown no longer reaches it.
  void Forget();

  const Options options_;
  StagedMemories& into_;
  const std::unique_ptr<kernel::remote::BlockingListener> listener_;
  PageToken token_{};
  Mutex mu_;
  bool stopping_ GUARDED_BY(mu_) = false;
  kernel::remote::BlockingStream* stream_ GUARDED_BY(mu_) = nullptr;  // While connected.
  std::optional<VoidResult> verdict_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace shoal::migrate
