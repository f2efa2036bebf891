#include "kernel/remote/handles.h"

#include <string>

#include "kernel/remote/audio_proxy.h"
#include "kernel/remote/handle_state.h"
#include "kernel/remote/object_server.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/process_proxy.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

kj::Own<ServerBase> NewServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                              Rights rights) {
  switch (object->type()) {
    case ObjectType::kChannel:
      return NewChannelServer(link, std::move(object), rights);
    case ObjectType::kPort:
      return NewPortServer(link, std::move(object), rights);
    case ObjectType::kTimer:
      return NewTimerServer(link, std::move(object), rights);
    case ObjectType::kConsole:
      return NewConsoleServer(link, std::move(object), rights);
    case ObjectType::kFile:
      return NewFileServer(link, std::move(object), rights);
    case ObjectType::kDirectory:
      return NewDirectoryServer(link, std::move(object), rights);
    case ObjectType::kProcess:
      return NewProcessServer(link, std::move(object), rights);
    case ObjectType::kDevice:
      return NewDeviceServer(link, std::move(object), rights);
    case ObjectType::kSpawner:
      return NewSpawnerServer(link, std::move(object), rights);
    case ObjectType::kCamera:
      return NewCameraServer(link, std::move(object), rights);
    case ObjectType::kAudio:
      return NewAudioServer(link, std::move(object), rights);
  }
  return {};
}

Ref<KernelObject> NewProxy(ObjectType type, const std::shared_ptr<Link>& link,
                           proto::rpc::Object::Client capability) {
  switch (type) {
    case ObjectType::kChannel:
      return NewChannelProxy(link, kj::mv(capability));
    case ObjectType::kPort:
      return NewPortProxy(link, kj::mv(capability));
    case ObjectType::kTimer:
      return NewTimerProxy(link, kj::mv(capability));
    case ObjectType::kConsole:
      return NewConsoleProxy(link, kj::mv(capability));
    case ObjectType::kFile:
      return NewFileProxy(link, kj::mv(capability));
    case ObjectType::kDirectory:
      return NewDirectoryProxy(link, kj::mv(capability));
    case ObjectType::kProcess:
      return NewProcessProxy(link, kj::mv(capability));
    case ObjectType::kDevice:
      return NewDeviceProxy(link, kj::mv(capability));
    case ObjectType::kSpawner:
      return NewSpawnerProxy(link, kj::mv(capability));
    case ObjectType::kCamera:
      return NewCameraProxy(link, kj::mv(capability));
    case ObjectType::kAudio:
      return NewAudioProxy(link, kj::mv(capability));
  }
  return nullptr;
}

Result<proto::rpc::Object::Client> ExportObject(const std::shared_ptr<Link>& link,
                                                Ref<KernelObject> object, Rights rights) {
  if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to export");
  RemoteObject* remote = AsRemote(*object);
  if (remote != nullptr && !remote->ServesItselfOnExport()) return remote->capability();
  ObjectType type = object->type();
  kj::Own<ServerBase> server = NewServer(link, std::move(object), rights);
  if (server.get() == nullptr) {
    return MakeError(Status::kNotSupported, std::string("a ") + std::string(ObjectTypeName(type)) +
                                                " handle cannot be sent to another node");
  }
  return link->loop()->servers().add(kj::mv(server));
}

VoidResult ExportHandle(const std::shared_ptr<Link>& link, const HandleEntry& entry,
                        proto::rpc::Handle::Builder out) {
  if (entry.object == nullptr) return MakeError(Status::kInvalidArgs, "no object to export");
  out.setObject(TRY(ExportObject(link, entry.object, entry.rights)));
  out.setType(uint8_t(entry.object->type()));
  out.setRights(uint32_t(entry.rights));
  WriteHandleState(*entry.object, out.initState());
  return Ok();
}

namespace {

// The server of this node that `capability` names (an object that went out
// and came back); null when it names another node's object. The server
// lives while `capability` does.
kj::Promise<Result<ServerBase*>> FindHomeServer(const std::shared_ptr<Link>& link,
                                                proto::rpc::Object::Client capability) {
  auto held = kj::heap<proto::rpc::Object::Client>(kj::mv(capability));
  auto local = link->loop()->servers().getLocalServer(*held);
  return local
      .then(
          [](kj::Maybe<proto::rpc::Object::Server&> found) -> Result<ServerBase*> {
            KJ_IF_MAYBE (server, found) {
              auto* base = dynamic_cast<ServerBase*>(server);
              if (base == nullptr) {
                return MakeError(Status::kMalformed, "a returned capability is no kernel object");
              }
              return base;
            }
            return static_cast<ServerBase*>(nullptr);
          },
          [link](kj::Exception&& e) -> Result<ServerBase*> {
            return FromException(e, link->peer());
          })
      .attach(kj::mv(held));
}

// A new proxy of the received type, handed out once it is usable.
kj::Promise<Result<HandleEntry>> ImportProxy(const std::shared_ptr<Link>& link, ObjectType type,
                                             Rights rights, proto::rpc::Object::Client capability,
                                             const HandleState& state) {
  Ref<KernelObject> proxy = NewProxy(type, link, kj::mv(capability));
  if (proxy == nullptr) {
    return Result<HandleEntry>(MakeError(
        Status::kNotSupported,
        std::string("this node cannot hold a remote ") + std::string(ObjectTypeName(type))));
  }
  VoidResult applied = ApplyHandleState(*proxy, state);
  if (!applied.ok()) return Result<HandleEntry>(std::move(applied).error());
  HandleEntry entry{proxy, rights};
  auto usable = [entry = std::move(entry)]() mutable {
    return Result<HandleEntry>(std::move(entry));
  };
  if (type == ObjectType::kAudio) return WhenAudioProxyKnown(*proxy).then(kj::mv(usable));
  if (type == ObjectType::kProcess) return WhenProcessProxyKnown(*proxy).then(kj::mv(usable));
  return usable();
}

}  // namespace

kj::Promise<Result<HandleEntry>> ImportHandle(const std::shared_ptr<Link>& link,
                                              proto::rpc::Handle::Reader in) {
  uint8_t type = in.getType();
  uint32_t rights = in.getRights();
  if (type == 0 || type > kMaxObjectType) {
    return Result<HandleEntry>(MakeError(
        Status::kMalformed, "a received handle has unknown type " + std::to_string(type)));
  }
  if ((rights & ~uint32_t(Rights::kAll)) != 0) {
    return Result<HandleEntry>(
        MakeError(Status::kMalformed, "a received handle has unknown rights"));
  }
  if (!in.hasObject()) {
    return Result<HandleEntry>(
        MakeError(Status::kMalformed, "a received handle has no capability"));
  }
  proto::rpc::Object::Client capability = in.getObject();
  Result<HandleState> state = ReadHandleState(in.getState());
  if (!state.ok()) return Result<HandleEntry>(std::move(state).error());
  return FindHomeServer(link, capability)
      .then([link, type = ObjectType(type), rights = Rights(rights), state = *state,
             capability = kj::mv(capability)](
                Result<ServerBase*> home) mutable -> kj::Promise<Result<HandleEntry>> {
        if (!home.ok()) return Result<HandleEntry>(std::move(home).error());
        ServerBase* server = *home;
        if (server == nullptr) return ImportProxy(link, type, rights, kj::mv(capability), state);
        // One of ours came home: the object itself, never more rights than it
        // left with, and no longer fed to the holder it left for.
        if (server->object()->type() != type) {
          return Result<HandleEntry>(
              MakeError(Status::kMalformed, "a returned handle does not match its type"));
        }
        VoidResult applied = ApplyHandleState(*server->object(), state);
        if (!applied.ok()) return Result<HandleEntry>(std::move(applied).error());
        server->CameHome();
        return Result<HandleEntry>(HandleEntry{server->object(), rights & server->rights()});
      });
}

kj::Promise<Result<std::optional<HandleEntry>>> FindHomeObject(
    const std::shared_ptr<Link>& link, proto::rpc::Object::Client capability) {
  return FindHomeServer(link, kj::mv(capability))
      .then([](Result<ServerBase*> home) -> Result<std::optional<HandleEntry>> {
        ServerBase* server = TRY(std::move(home));
        if (server == nullptr) return std::optional<HandleEntry>();
        return std::optional<HandleEntry>(HandleEntry{server->object(), server->rights()});
      });
}

kj::Promise<Result<std::vector<HandleEntry>>> ImportHandles(
    const std::shared_ptr<Link>& link, capnp::List<proto::rpc::Handle>::Reader in) {
  auto imports = kj::heapArrayBuilder<kj::Promise<Result<HandleEntry>>>(in.size());
  for (auto handle : in) imports.add(ImportHandle(link, handle));
  return kj::joinPromises(imports.finish())
      .then([](kj::Array<Result<HandleEntry>> results) -> Result<std::vector<HandleEntry>> {
        std::vector<HandleEntry> entries;
        entries.reserve(results.size());
        for (auto& r : results) {
          if (!r.ok()) return std::move(r).error();  // The rest drop with `results`.
          entries.push_back(std::move(r).value());
        }
        return entries;
      });
}

}  // namespace shoal::kernel::remote
