// Port packets on the wire (PortPacket in object_rpc.capnp), both ways: the
// server drains packets to the holder's sink, the holder queues user packets.
#pragma once

#include "kernel/base/result.h"
#include "kernel/object/port.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

void WritePacket(const Packet& packet, proto::rpc::PortPacket::Builder out);

// kMalformed for an unknown packet type or more user words than a Packet has.
Result<Packet> ReadPacket(proto::rpc::PortPacket::Reader in);

}  // namespace shoal::kernel::remote
