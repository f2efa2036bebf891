// ObjectServer: the per-type operations (see object_server.h).
#include <string>

#include "kernel/object/channel.h"
#include "kernel/object/console.h"
#include "kernel/object/object_server.h"
#include "kernel/object/port.h"
#include "kernel/object/timer.h"

namespace shoal::kernel {
namespace {

std::span<const uint8_t> AsSpan(capnp::Data::Reader data) { return {data.begin(), data.size()}; }

}  // namespace

VoidResult ObjectServer::ServeChannel(uint64_t target, proto::ObjectRequest::Reader request,
                                      proto::ObjectResponse::Builder response) {
  if (request.isChannelWrite()) {
    auto channel = TRY(LookupAs<ChannelOps>(target, Rights::kWrite));
    auto in = request.getChannelWrite();
    auto refs = in.getHandles();
    if (refs.size() > ChannelOps::kMaxMessageHandles) {
      return MakeError(Status::kInvalidArgs, "message carries too many handles");
    }
    // Decode everything before acting: a malformed tail must not leave a
    // half-done write behind.
    std::vector<HandleEntry> handles;
    for (auto ref : refs) {
      Exported e = TRY(Lookup(ref.getExportId(), Rights::kNone));
      if (uint8_t(e.object->type()) != ref.getType()) {
        return MakeError(Status::kWrongType, "handle's type does not match its export");
      }
      Rights rights = Rights(ref.getRights());
      if (!Contains(e.rights, Rights::kTransfer) || !IsSubset(rights, e.rights)) {
        return MakeError(Status::kAccessDenied, "handle claims rights its export lacks");
      }
      handles.push_back(HandleEntry{std::move(e.object), rights});
    }
    return channel->Write(AsSpan(in.getBytes()), std::move(handles));
  }
  auto channel = TRY(LookupAs<ChannelOps>(target, Rights::kRead));
  auto in = request.getChannelRead();
  ReadLimits limits{size_t(in.getMaxBytes()),
                    size_t(std::min<uint64_t>(in.getMaxHandles(), ChannelOps::kMaxMessageHandles))};
  {
    // Room for the handles is checked before the message is dequeued; the
    // exports below then bypass the limit so the message cannot be lost.
    MutexLock lock(&mu_);
    if (exports_.size() + limits.max_handles > kMaxExports) {
      return MakeError(Status::kNoMemory, "too many objects exported to one peer");
    }
  }
  Message message = TRY(channel->Read(limits));
  auto out = response.getResult().initChannelMessage();
  out.setBytes(kj::arrayPtr(message.bytes.data(), message.bytes.size()));
  auto refs = out.initHandles(uint32_t(message.handles.size()));
  for (uint32_t i = 0; i < message.handles.size(); ++i) {
    HandleEntry& h = message.handles[i];
    uint64_t id;
    {
      MutexLock lock(&mu_);
      id = next_export_++;
      refs[i].setType(uint8_t(h.object->type()));
      exports_.emplace(id, Exported{std::move(h.object), h.rights});
    }
    refs[i].setExportId(id);
    refs[i].setRights(uint32_t(h.rights));
  }
  return Ok();
}

VoidResult ObjectServer::ServePort(uint64_t target, proto::ObjectRequest::Reader request,
                                   proto::ObjectResponse::Builder response) {
  switch (request.which()) {
    case proto::ObjectRequest::PORT_WAIT_ASYNC: {
      auto port = TRY(LookupAs<PortOps>(target, Rights::kWrite));
      auto in = request.getPortWaitAsync();
      Exported object = TRY(Lookup(in.getObject(), Rights::kWait));
      return port->WaitAsync(object.object, Signals(in.getSignals()) & Signals::kAll, in.getKey());
    }
    case proto::ObjectRequest::PORT_CANCEL: {
      auto port = TRY(LookupAs<PortOps>(target, Rights::kWrite));
      return port->Cancel(request.getPortCancel());
    }
    case proto::ObjectRequest::PORT_QUEUE: {
      auto port = TRY(LookupAs<PortOps>(target, Rights::kWrite));
      auto in = request.getPortQueue();
      Packet packet;
      packet.key = in.getKey();
      auto user = in.getUser();
      if (user.size() > packet.user.size()) {
        return MakeError(Status::kInvalidArgs, "user packet payload exceeds 4 words");
      }
      for (uint32_t i = 0; i < user.size(); ++i) packet.user[i] = user[i];
      return port->Queue(packet);
    }
    default: {
      auto port = TRY(LookupAs<PortOps>(target, Rights::kRead));
      Packet packet = TRY(port->Wait());
      auto out = response.getResult().initPacket();
      out.setKey(packet.key);
      out.setType(uint8_t(packet.type));
      out.setObserved(uint32_t(packet.observed));
      auto user = out.initUser(uint32_t(packet.user.size()));
      for (uint32_t i = 0; i < packet.user.size(); ++i) user.set(i, packet.user[i]);
      return Ok();
    }
  }
}

VoidResult ObjectServer::ServeTimer(uint64_t target, proto::ObjectRequest::Reader request) {
  auto timer = TRY(LookupAs<TimerOps>(target, Rights::kManage));
  if (request.isTimerSet()) return timer->Set(request.getTimerSet());
  return timer->Cancel();
}

VoidResult ObjectServer::ServeConsole(uint64_t target, proto::ObjectRequest::Reader request,
                                      proto::ObjectResponse::Builder response) {
  switch (request.which()) {
    case proto::ObjectRequest::CONSOLE_WRITE: {
      auto console = TRY(LookupAs<ConsoleOps>(target, Rights::kWrite));
      uint64_t end = TRY(console->Write(AsSpan(request.getConsoleWrite())));
      response.getResult().setConsoleEnd(end);
      return Ok();
    }
    case proto::ObjectRequest::CONSOLE_READ: {
      auto console = TRY(LookupAs<ConsoleOps>(target, Rights::kRead));
      auto in = request.getConsoleRead();
      ConsoleChunk chunk =
          TRY(console->Read(in.getOffset(), size_t(std::min<uint64_t>(in.getMaxBytes(), 1 << 20))));
      auto out = response.getResult().initConsoleChunk();
      out.setOffset(chunk.offset);
      out.setDropped(chunk.dropped);
      out.setBytes(kj::arrayPtr(chunk.bytes.data(), chunk.bytes.size()));
      return Ok();
    }
    default: {
      auto console = TRY(LookupAs<ConsoleOps>(target, Rights::kManage));
      return console->Close();
    }
  }
}

}  // namespace shoal::kernel
