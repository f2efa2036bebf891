// PortOps through the object protocol (see object_client.h).
#include <capnp/message.h>

#include "kernel/object/object_client.h"
#include "kernel/object/port.h"

namespace shoal::kernel {
namespace {

class PortProxy final : public Proxy<PortOps> {
 public:
  PortProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kPort, std::move(client), export_id) {}

  VoidResult WaitAsync(Ref<KernelObject> object, Signals signals, uint64_t key) override {
    if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to wait on");
    uint64_t object_id = TRY(client().ExportIdOf(HandleEntry{object, Rights::kNone}));
    capnp::MallocMessageBuilder message;
    auto wait = NewRequest(message).initPortWaitAsync();
    wait.setObject(object_id);
    wait.setSignals(uint32_t(signals));
    wait.setKey(key);
    return client().CallVoid(message);
  }

  VoidResult Cancel(uint64_t key) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setPortCancel(key);
    return client().CallVoid(message);
  }

  VoidResult Queue(const Packet& packet) override {
    capnp::MallocMessageBuilder message;
    auto out = NewRequest(message).initPortQueue();
    out.setKey(packet.key);
    out.setType(uint8_t(PacketType::kUser));
    auto user = out.initUser(uint32_t(packet.user.size()));
    for (uint32_t i = 0; i < packet.user.size(); ++i) user.set(i, packet.user[i]);
    return client().CallVoid(message);
  }

  Result<Packet> Wait() override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setPortWait();
    return client().Call(message, [](proto::ObjectResponse::Reader r) -> Result<Packet> {
      if (!r.getResult().isPacket()) return MakeError(Status::kMalformed, "expected a packet");
      auto in = r.getResult().getPacket();
      if (in.getType() != uint8_t(PacketType::kSignal) &&
          in.getType() != uint8_t(PacketType::kUser)) {
        return MakeError(Status::kMalformed, "packet of unknown type");
      }
      Packet packet;
      packet.key = in.getKey();
      packet.type = PacketType(in.getType());
      packet.observed = Signals(in.getObserved()) & Signals::kAll;
      auto user = in.getUser();
      for (uint32_t i = 0; i < user.size() && i < packet.user.size(); ++i) packet.user[i] = user[i];
      return packet;
    });
  }
};

}  // namespace

Ref<KernelObject> MakePortProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<PortProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
