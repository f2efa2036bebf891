#include "kernel/remote/port_packet.h"

#include <string>

namespace shoal::kernel::remote {

void WritePacket(const Packet& packet, proto::rpc::PortPacket::Builder out) {
  out.setKey(packet.key);
  out.setType(uint8_t(packet.type));
  out.setObserved(uint32_t(packet.observed));
  if (packet.type != PacketType::kUser) return;
  auto user = out.initUser(uint32_t(packet.user.size()));
  for (uint32_t i = 0; i < packet.user.size(); ++i) user.set(i, packet.user[i]);
}

Result<Packet> ReadPacket(proto::rpc::PortPacket::Reader in) {
  uint8_t type = in.getType();
  if (type != uint8_t(PacketType::kSignal) && type != uint8_t(PacketType::kUser)) {
    return MakeError(Status::kMalformed, "a port packet of unknown type " + std::to_string(type));
  }
  auto user = in.getUser();
  Packet packet;
  if (user.size() > packet.user.size()) {
    return MakeError(Status::kMalformed, "a port packet with more than four user words");
  }
  packet.key = in.getKey();
  packet.type = PacketType(type);
  packet.observed = Signals(in.getObserved()) & Signals::kAll;
  for (uint32_t i = 0; i < user.size(); ++i) packet.user[i] = user[i];
  return packet;
}

}  // namespace shoal::kernel::remote
