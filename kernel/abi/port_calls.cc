// port_create, port_wait_async, port_wait, port_cancel, port_queue.
#include "kernel/abi/abi.h"
#include "kernel/object/port.h"
#include "kernel/wasi/guest_memory.h"

namespace shoal::kernel::abi {
namespace {

// A packet in guest memory: u64 key, u32 type, u32 observed, u64 user[4].
constexpr uint32_t kPacketSize = 48;

void EncodePacket(uint8_t* p, const Packet& packet) {
  wasi::PutLe64(p, packet.key);
  wasi::PutLe32(p + 8, uint32_t(packet.type));
  wasi::PutLe32(p + 12, uint32_t(packet.observed));
  for (int i = 0; i < 4; ++i) wasi::PutLe64(p + 16 + 8 * i, packet.user[i]);
}

}  // namespace

// port_create() -> port handle.
Result<int32_t> PortCreate(AbiCall& c) {
  Ref<Port> port = TRY(Port::Create());
  return int32_t(TRY(c.process.handles().Add(port, DefaultRights(ObjectType::kPort))));
}

// port_wait_async(port, h, signals, key) -> 0. kWrite on port, kWait on h.
Result<int32_t> PortWaitAsync(AbiCall& c) {
  HandleTable& table = c.process.handles();
  Ref<PortOps> port = TRY(table.Get<PortOps>(c.U32(0), Rights::kWrite));
  Ref<KernelObject> object = TRY(table.Get<KernelObject>(c.U32(1), Rights::kWait));
  TRY(port->WaitAsync(std::move(object), Signals(c.U32(2)) & Signals::kAll, c.U64(3)));
  return 0;
}

// port_wait(port, flags, packet_ptr) -> 0; the oldest packet is stored at
// packet_ptr (48 bytes). SHOAL_WAIT parks while the port is empty. kRead.
Result<int32_t> PortWait(AbiCall& c) {
  Ref<PortOps> port = TRY(c.process.handles().Get<PortOps>(c.U32(0), Rights::kRead));
  uint32_t flags = c.U32(1), packet_ptr = c.U32(2);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  std::span<uint8_t> out = TRY(c.Bytes(packet_ptr, kPacketSize));
  Result<Packet> packet = port->Wait();
  if (!packet.ok()) {
    if (packet.error().status == Status::kShouldWait && (flags & kWaitFlag) != 0) {
      return c.Park({port, Signals::kReadable, 0});
    }
    return packet.error();
  }
  EncodePacket(out.data(), *packet);
  return 0;
}

// port_cancel(port, key) -> 0, or kNotFound. kWrite.
Result<int32_t> PortCancel(AbiCall& c) {
  Ref<PortOps> port = TRY(c.process.handles().Get<PortOps>(c.U32(0), Rights::kWrite));
  TRY(port->Cancel(c.U64(1)));
  return 0;
}

// port_queue(port, user0) -> 0: a user packet {key 0, user = {user0, 0, 0, 0}}.
Result<int32_t> PortQueue(AbiCall& c) {
  Ref<PortOps> port = TRY(c.process.handles().Get<PortOps>(c.U32(0), Rights::kWrite));
  Packet packet;
  packet.user[0] = c.U64(1);
  TRY(port->Queue(packet));
  return 0;
}

}  // namespace shoal::kernel::abi
