#include "kernel/object/object_client.h"

#include <string>

#include "kernel/base/await.h"

namespace shoal::kernel {

Ref<ObjectClient> ObjectClient::Create(Transport transport) {
  return Ref<ObjectClient>(new ObjectClient(std::move(transport)));
}

Result<std::vector<uint8_t>> ObjectClient::Send(capnp::MessageBuilder& request) {
  return Await<Result<std::vector<uint8_t>>>(
      [&](Reply reply) { transport_(wire::ToBytes(request), std::move(reply)); });
}

Result<Ref<KernelObject>> ObjectClient::Import(uint64_t export_id, ObjectType type) {
  Ref<ObjectClient> self = shared_from_this();
  switch (type) {
    case ObjectType::kChannel:
      return MakeChannelProxy(self, export_id);
    case ObjectType::kPort:
      return MakePortProxy(self, export_id);
    case ObjectType::kTimer:
      return MakeTimerProxy(self, export_id);
    case ObjectType::kConsole:
      return MakeConsoleProxy(self, export_id);
    case ObjectType::kDevice:
      return MakeDeviceProxy(self, export_id);
    case ObjectType::kProcess:
      return MakeProcessProxy(self, export_id);
    case ObjectType::kFile:
      return MakeFileProxy(self, export_id);
    case ObjectType::kDirectory:
      return MakeDirectoryProxy(self, export_id);
  }
  return MakeError(Status::kMalformed, "unknown object type " + std::to_string(int(type)));
}

VoidResult ObjectClient::CheckStatus(proto::ObjectResponse::Reader response) {
  uint8_t status = response.getStatus();
  if (status == uint8_t(Status::kOk)) return Ok();
  if (status > uint8_t(Status::kInternal)) {
    return MakeError(Status::kMalformed,
                     "response carries unknown status " + std::to_string(status));
  }
  return MakeError(Status(status), response.getMessage().cStr());
}

VoidResult ObjectClient::CallVoid(capnp::MessageBuilder& request) {
  return Call(request, [](proto::ObjectResponse::Reader) -> VoidResult { return Ok(); });
}

VoidResult ObjectClient::OnEvent(std::span<const uint8_t> bytes) {
  auto event = TRY(wire::ReadMessage<proto::ObjectEvent>(
      bytes, [](proto::ObjectEvent::Reader e) -> Result<std::pair<ObserverToken, Signals>> {
        return std::make_pair(e.getToken(), Signals(e.getObserved()) & Signals::kAll);
      }));
  ObserverCallback callback;
  {
    MutexLock lock(&mu_);
    auto it = observers_.find(event.first);
    if (it == observers_.end()) return Ok();  // Cancelled meanwhile.
    callback = std::move(it->second.callback);
    observers_.erase(it);
  }
  callback(event.second);
  return Ok();
}

ObserverToken ObjectClient::AddObserver(uint64_t export_id, ObserverCallback callback) {
  MutexLock lock(&mu_);
  ObserverToken token = next_token_++;
  observers_.emplace(token, PendingObserver{export_id, std::move(callback)});
  return token;
}

bool ObjectClient::RemoveObserver(ObserverToken token) {
  MutexLock lock(&mu_);
  return observers_.erase(token) != 0;
}

void ObjectClient::Release(uint64_t export_id) {
  {
    MutexLock lock(&mu_);
    std::erase_if(observers_, [&](const auto& kv) { return kv.second.export_id == export_id; });
  }
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<proto::ObjectRequest>();
  request.setTarget(export_id);
  request.setRelease();
  (void)CallVoid(message);  // A dead connection has released everything anyway.
}

Result<uint64_t> ObjectClient::ExportIdOf(const HandleEntry& entry) const {
  auto* link = dynamic_cast<const ProxyLink*>(entry.object.get());
  if (link == nullptr || &link->client() != this) {
    return MakeError(Status::kNotSupported,
                     "only objects served by the same peer can be sent through a proxy");
  }
  return link->export_id();
}

Result<HandleEntry> ObjectClient::ImportRef(proto::HandleRef::Reader ref) {
  uint8_t type = ref.getType();
  if (type == 0 || type > kMaxObjectType) {
    return MakeError(Status::kMalformed, "handle of unknown type " + std::to_string(type));
  }
  Ref<KernelObject> object = TRY(Import(ref.getExportId(), ObjectType(type)));
  return HandleEntry{std::move(object), Rights(ref.getRights()) & Rights::kAll};
}

Signals ProxyLink::RemoteSignals() const {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<proto::ObjectRequest>();
  request.setTarget(export_id_);
  request.setGetSignals();
  auto signals = client_->Call(message, [](proto::ObjectResponse::Reader r) -> Result<Signals> {
    if (!r.getResult().isSignals()) return MakeError(Status::kMalformed, "expected signals");
    return Signals(r.getResult().getSignals()) & Signals::kAll;
  });
  return signals.ok() ? *signals : Signals::kNone;
}

Result<ObserverToken> ProxyLink::RemoteObserve(Signals mask, ObserverCallback callback) {
  if (mask == Signals::kNone) return MakeError(Status::kInvalidArgs, "observer mask is empty");
  // Registered before the request: the server may fire at once, before the
  // response comes back.
  ObserverToken token = client_->AddObserver(export_id_, std::move(callback));
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<proto::ObjectRequest>();
  request.setTarget(export_id_);
  auto observe = request.initObserve();
  observe.setMask(uint32_t(mask));
  observe.setToken(token);
  VoidResult sent = client_->CallVoid(message);
  if (!sent.ok()) {
    client_->RemoveObserver(token);
    return std::move(sent).error();
  }
  return token;
}

bool ProxyLink::RemoteCancel(ObserverToken token) {
  if (!client_->RemoveObserver(token)) return false;
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<proto::ObjectRequest>();
  request.setTarget(export_id_);
  request.setCancelObserve(token);
  (void)client_->CallVoid(message);  // Only frees the server's side; an event is now ignored.
  return true;
}

}  // namespace shoal::kernel
