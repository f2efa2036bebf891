// ConsoleOps through the object protocol (see object_client.h).
#include <capnp/message.h>

#include "kernel/object/console.h"
#include "kernel/object/object_client.h"

namespace shoal::kernel {
namespace {

class ConsoleProxy final : public Proxy<ConsoleOps> {
 public:
  ConsoleProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kConsole, std::move(client), export_id) {}

  Result<uint64_t> Write(std::span<const uint8_t> bytes) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setConsoleWrite(kj::arrayPtr(bytes.data(), bytes.size()));
    return client().Call(message, [](proto::ObjectResponse::Reader r) -> Result<uint64_t> {
      if (!r.getResult().isConsoleEnd()) return MakeError(Status::kMalformed, "expected an offset");
      return r.getResult().getConsoleEnd();
    });
  }

  void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) override {
    capnp::MallocMessageBuilder message;
    auto read = NewRequest(message).initConsoleRead();
    read.setOffset(offset);
    read.setMaxBytes(max_bytes);
    done(client().Call(message, [](proto::ObjectResponse::Reader r) -> Result<ConsoleChunk> {
      if (!r.getResult().isConsoleChunk()) return MakeError(Status::kMalformed, "expected a chunk");
      auto in = r.getResult().getConsoleChunk();
      ConsoleChunk chunk;
      chunk.offset = in.getOffset();
      chunk.dropped = in.getDropped();
      auto bytes = in.getBytes();
      chunk.bytes.assign(bytes.begin(), bytes.end());
      return chunk;
    }));
  }

  VoidResult Close() override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setConsoleClose();
    return client().CallVoid(message);
  }
};

}  // namespace

Ref<KernelObject> MakeConsoleProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<ConsoleProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
