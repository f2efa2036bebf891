// The server of an exported console (Console in object_rpc.capnp).
//
// write needs kWrite and read kRead; close needs kManage, as ConsoleOps
// says (the local object's header rules where the schema's comment
// differs). Reads run the console's async read and answer from its
// completion, on the loop thread whichever thread it came on; a read at the
// end of a closed console answers kPeerClosed with `ended` set. Writes and
// close change the signals (kReadable pulses, kPeerClosed), so the watchers
// are refreshed after them.
#include <kj/async.h>

#include "kernel/object/console.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/op_server.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class ConsoleServer final : public proto::rpc::Console::Server, public OpServer {
 public:
  ConsoleServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : OpServer(std::move(link), std::move(object), rights),
        console_(std::static_pointer_cast<ConsoleOps>(this->object())) {}

  kj::Promise<void> write(WriteContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    auto results = context.getResults();
    auto bytes = context.getParams().getBytes();
    Result<uint64_t> end = console_->Write(std::span<const uint8_t>(bytes.begin(), bytes.size()));
    RefreshWatchers();
    if (!end.ok()) {
      SetOutcome(results.initOutcome(), end.error());
    } else {
      results.setWritten(*end);
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> read(ReadContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    auto params = context.getParams();
    uint64_t offset = params.getOffset();
    size_t max_bytes = size_t(params.getMaxBytes());
    Ref<ConsoleOps> console = console_;
    return Completion<Result<ConsoleChunk>>([&](ConsoleOps::ReadDone done) {
             console->ReadAsync(offset, max_bytes, std::move(done));
           })
        .then([context](Result<ConsoleChunk> chunk) mutable {
          auto results = context.getResults();
          if (!chunk.ok()) {
            SetOutcome(results.initOutcome(), chunk.error());
            if (chunk.error().status == Status::kPeerClosed) results.initChunk().setEnded(true);
            return;
          }
          auto out = results.initChunk();
          out.setOffset(chunk->offset);
          out.setDropped(chunk->dropped);
          out.setStream(uint8_t(chunk->stream));
          out.setBytes(kj::arrayPtr(chunk->bytes.data(), chunk->bytes.size()));
        });
  }

  kj::Promise<void> close(CloseContext context) override {
    return Perform(context, Rights::kManage, [&] { return console_->Close(); });
  }

 private:
  const Ref<ConsoleOps> console_;
};

}  // namespace

kj::Own<ServerBase> NewConsoleServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                     Rights rights) {
  return kj::heap<ConsoleServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
