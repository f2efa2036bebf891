// A console on another node (Console in object_rpc.capnp).
//
// Read is one call, answered on the loop thread when the response comes.
// Write and Close never wait for the wire (ConsoleOps makes them plain
// calls, and a writer on a scheduler worker must not hold it for a round
// trip): they post the call, which reaches the console in posting order,
// and answer at once. Write answers the end offset this proxy expects: the
// last end the serving node reported plus what was posted since, exact
// while this proxy is the console's only writer. A failure the serving node
// reports for a posted call (the console was closed, the link went) is kept
// and answered by the next Write; once the mirrored signals show the console
// closed, Write answers kPeerClosed at once, as the console would. Signals
// mirror the console's through a watch; a gone link sets kPeerClosed.
#include <algorithm>

#include "kernel/base/thread_annotations.h"
#include "kernel/object/console.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class ConsoleProxy final : public MirroredProxy<ConsoleOps> {
 public:
  ConsoleProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : MirroredProxy(std::move(link), kj::mv(capability)) {}

  void Start(const std::shared_ptr<ConsoleProxy>& self) {
    self_ = self;
    MirroredProxy::Start(self);
  }

  Result<uint64_t> Write(std::span<const uint8_t> bytes) override {
    if (link()->gone()) return link()->GoneError();
    if (Any(signals(), Signals::kPeerClosed)) {
      return MakeError(Status::kPeerClosed, "the console is closed");
    }
    uint64_t expected;
    {
      MutexLock lock(&mu_);
      if (failed_) return *failed_;
      pending_ += bytes.size();
      expected = known_end_ + pending_;
    }
    auto copy = std::make_shared<std::vector<uint8_t>>(bytes.begin(), bytes.end());
    std::weak_ptr<ConsoleProxy> weak = self_;
    uint64_t size = copy->size();
    Call<proto::rpc::Console, Result<uint64_t>>(
        [copy](proto::rpc::Console::Client console) {
          auto request = console.writeRequest();
          request.setBytes(kj::arrayPtr(copy->data(), copy->size()));
          return request;
        },
        [](auto& response) -> Result<uint64_t> {
          TRY(ReadOutcome(response.getOutcome()));
          return uint64_t(response.getWritten());
        },
        std::function<void(Result<uint64_t>)>([weak, size](Result<uint64_t> end) {
          if (auto proxy = weak.lock()) proxy->Written(size, std::move(end));
        }));
    return expected;
  }

  void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) override {
    Call<proto::rpc::Console, Result<ConsoleChunk>>(
        [offset, max_bytes](proto::rpc::Console::Client console) {
          auto request = console.readRequest();
          request.setOffset(offset);
          request.setMaxBytes(max_bytes);
          return request;
        },
        [](auto& response) -> Result<ConsoleChunk> {
          TRY(ReadOutcome(response.getOutcome()));
          auto in = response.getChunk();
          ConsoleChunk chunk;
          chunk.offset = in.getOffset();
          chunk.dropped = in.getDropped();
          if (in.getStream() > kMaxConsoleStream) {
            return MakeError(Status::kMalformed,
                             "the console chunk names stream " + std::to_string(in.getStream()));
          }
          chunk.stream = ConsoleStream(in.getStream());
          auto bytes = in.getBytes();
          chunk.bytes.assign(bytes.begin(), bytes.end());
          return chunk;
        },
        std::move(done));
  }

  VoidResult Close() override {
    return OnLoop<proto::rpc::Console>([link = link()](proto::rpc::Console::Client console) {
      link->loop()->Detach(console.closeRequest().send().ignoreResult(), "console close");
    });
  }

 private:
  // The answer to a posted write of `size` bytes (loop thread).
  void Written(uint64_t size, Result<uint64_t> end) {
    MutexLock lock(&mu_);
    pending_ -= std::min<uint64_t>(pending_, size);
    if (!end.ok()) {
      if (!failed_) failed_ = end.error();
      return;
    }
    known_end_ = std::max(known_end_, *end);
  }

  std::weak_ptr<ConsoleProxy> self_;
  Mutex mu_;
  uint64_t known_end_ GUARDED_BY(mu_) = 0;
  uint64_t pending_ GUARDED_BY(mu_) = 0;
  std::optional<Error> failed_ GUARDED_BY(mu_);
};

}  // namespace

Ref<KernelObject> NewConsoleProxy(const std::shared_ptr<Link>& link,
                                  proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<ConsoleProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

}  // namespace shoal::kernel::remote
