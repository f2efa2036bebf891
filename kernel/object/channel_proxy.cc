// ChannelOps through the object protocol (see object_client.h).
#include <capnp/message.h>

#include "kernel/object/channel.h"
#include "kernel/object/object_client.h"

namespace shoal::kernel {
namespace {

class ChannelProxy final : public Proxy<ChannelOps> {
 public:
  ChannelProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kChannel, std::move(client), export_id) {}

  VoidResult Write(std::span<const uint8_t> bytes, std::vector<HandleEntry> handles) override {
    // The server's channel checks the limits too; checking here first keeps
    // oversized requests off the wire.
    if (bytes.size() > kMaxMessageBytes || handles.size() > kMaxMessageHandles) {
      return MakeError(Status::kInvalidArgs, "message exceeds the channel limits");
    }
    capnp::MallocMessageBuilder message;
    auto write = NewRequest(message).initChannelWrite();
    write.setBytes(kj::arrayPtr(bytes.data(), bytes.size()));
    auto refs = write.initHandles(uint32_t(handles.size()));
    for (uint32_t i = 0; i < handles.size(); ++i) {
      if (handles[i].object.get() == this) {
        return MakeError(Status::kInvalidArgs, "a channel endpoint cannot be sent through itself");
      }
      refs[i].setExportId(TRY(client().ExportIdOf(handles[i])));
      refs[i].setType(uint8_t(handles[i].object->type()));
      refs[i].setRights(uint32_t(handles[i].rights));
    }
    return client().CallVoid(message);
  }

  Result<Message> Read(ReadLimits limits) override {
    capnp::MallocMessageBuilder message;
    auto read = NewRequest(message).initChannelRead();
    read.setMaxBytes(limits.max_bytes);
    read.setMaxHandles(limits.max_handles);
    return client().Call(message, [&](proto::ObjectResponse::Reader r) -> Result<Message> {
      if (!r.getResult().isChannelMessage()) {
        return MakeError(Status::kMalformed, "expected a channel message");
      }
      auto in = r.getResult().getChannelMessage();
      Message out;
      auto bytes = in.getBytes();
      out.bytes.assign(bytes.begin(), bytes.end());
      for (auto ref : in.getHandles()) out.handles.push_back(TRY(client().ImportRef(ref)));
      return out;
    });
  }
};

}  // namespace

Ref<KernelObject> MakeChannelProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<ChannelProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
