#include "kernel/object/object_server.h"

#include <string>

#include "kernel/base/await.h"
#include "kernel/object/wire.h"

namespace shoal::kernel {

Ref<ObjectServer> ObjectServer::Create(EventSink sink) {
  return Ref<ObjectServer>(new ObjectServer(std::move(sink)));
}

ObjectServer::~ObjectServer() {
  std::map<ObserverToken, ServerObserver> observers;
  std::map<uint64_t, Exported> exports;
  {
    MutexLock lock(&mu_);
    observers = std::move(observers_);
    exports = std::move(exports_);
  }
  for (auto& [client_token, o] : observers) {
    if (auto object = o.object.lock(); object && o.token != 0) object->CancelObserver(o.token);
  }
}

size_t ObjectServer::export_count() const {
  MutexLock lock(&mu_);
  return exports_.size();
}

size_t ObjectServer::observer_count() const {
  MutexLock lock(&mu_);
  return observers_.size();
}

Result<uint64_t> ObjectServer::Export(Ref<KernelObject> object, Rights rights) {
  if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to export");
  MutexLock lock(&mu_);
  if (exports_.size() >= kMaxExports) {
    return MakeError(Status::kNoMemory, "too many objects exported to one peer");
  }
  uint64_t id = next_export_++;
  exports_.emplace(id, Exported{std::move(object), rights});
  return id;
}

Result<ObjectServer::Exported> ObjectServer::Lookup(uint64_t id, Rights required) const {
  MutexLock lock(&mu_);
  auto it = exports_.find(id);
  if (it == exports_.end()) {
    return MakeError(Status::kBadHandle, "export " + std::to_string(id) + " is not live");
  }
  if (!Contains(it->second.rights, required)) {
    return MakeError(Status::kAccessDenied, "export lacks a right the operation needs");
  }
  return it->second;
}

void ObjectServer::Serve(std::span<const uint8_t> request, Reply reply) {
  capnp::MallocMessageBuilder out;
  auto response = out.initRoot<proto::ObjectResponse>();
  bool started = false;  // A file operation took `reply` and answers later.
  VoidResult served = wire::ReadMessage<proto::ObjectRequest>(
      request, [&](proto::ObjectRequest::Reader r) -> VoidResult {
        switch (r.which()) {
          case proto::ObjectRequest::FILE_READ:
          case proto::ObjectRequest::FILE_WRITE:
          case proto::ObjectRequest::FILE_SYNC:
            return StartFileIo(r.getTarget(), r, reply, started);
          default:
            return Dispatch(r, response);
        }
      });
  if (started) return;
  if (served.ok()) return reply(wire::ToBytes(out));
  // A fresh message, so that no half-built result goes out with the error.
  capnp::MallocMessageBuilder failed;
  auto error = failed.initRoot<proto::ObjectResponse>();
  error.setStatus(uint8_t(served.error().status));
  error.setMessage(served.error().message);
  reply(wire::ToBytes(failed));
}

std::vector<uint8_t> ObjectServer::Handle(std::span<const uint8_t> request) {
  return Await<std::vector<uint8_t>>([&](Reply reply) { Serve(request, std::move(reply)); });
}

VoidResult ObjectServer::Dispatch(proto::ObjectRequest::Reader request,
                                  proto::ObjectResponse::Builder response) {
  uint64_t target = request.getTarget();
  switch (request.which()) {
    case proto::ObjectRequest::GET_SIGNALS: {
      Exported e = TRY(Lookup(target, Rights::kWait));
      response.getResult().setSignals(uint32_t(e.object->signals()));
      return Ok();
    }
    case proto::ObjectRequest::OBSERVE: {
      auto observe = request.getObserve();
      return Observe(target, Signals(observe.getMask()) & Signals::kAll, observe.getToken());
    }
    case proto::ObjectRequest::CANCEL_OBSERVE:
      TRY(Lookup(target, Rights::kNone));
      CancelObserve(request.getCancelObserve());
      return Ok();
    case proto::ObjectRequest::RELEASE:
      TRY(Lookup(target, Rights::kNone));
      Release(target);
      return Ok();
    case proto::ObjectRequest::CHANNEL_WRITE:
    case proto::ObjectRequest::CHANNEL_READ:
      return ServeChannel(target, request, response);
    case proto::ObjectRequest::PORT_WAIT_ASYNC:
    case proto::ObjectRequest::PORT_CANCEL:
    case proto::ObjectRequest::PORT_QUEUE:
    case proto::ObjectRequest::PORT_WAIT:
      return ServePort(target, request, response);
    case proto::ObjectRequest::TIMER_SET:
    case proto::ObjectRequest::TIMER_CANCEL:
      return ServeTimer(target, request);
    case proto::ObjectRequest::CONSOLE_WRITE:
    case proto::ObjectRequest::CONSOLE_READ:
    case proto::ObjectRequest::CONSOLE_CLOSE:
      return ServeConsole(target, request, response);
    case proto::ObjectRequest::DEVICE_DESCRIBE:
    case proto::ObjectRequest::DEVICE_READ:
    case proto::ObjectRequest::DEVICE_WRITE:
    case proto::ObjectRequest::DEVICE_CONTROL:
      return ServeDevice(target, request, response);
    case proto::ObjectRequest::PROCESS_INFO:
    case proto::ObjectRequest::PROCESS_TERMINATE:
    case proto::ObjectRequest::PROCESS_KILL:
      return ServeProcess(target, request, response);
    case proto::ObjectRequest::FILE_SET_SIZE:
      return ServeFile(target, request, response);
    case proto::ObjectRequest::FILE_READ:
    case proto::ObjectRequest::FILE_WRITE:
    case proto::ObjectRequest::FILE_SYNC:
      // Asynchronous: Serve() hands them to StartFileIo, never to Dispatch.
      return MakeError(Status::kInternal, "file IO reached the synchronous dispatcher");
    case proto::ObjectRequest::STAT: {
      Exported e = TRY(Lookup(target, Rights::kNone));
      if (e.object->type() == ObjectType::kDirectory) {
        return ServeDirectory(target, request, response);
      }
      return ServeFile(target, request, response);
    }
    case proto::ObjectRequest::DIR_OPEN:
    case proto::ObjectRequest::DIR_STAT_AT:
    case proto::ObjectRequest::DIR_READ:
    case proto::ObjectRequest::DIR_MKDIR:
    case proto::ObjectRequest::DIR_UNLINK:
    case proto::ObjectRequest::DIR_RENAME:
    case proto::ObjectRequest::DIR_SYMLINK:
    case proto::ObjectRequest::DIR_READ_LINK:
      return ServeDirectory(target, request, response);
  }
  return MakeError(Status::kNotSupported,
                   "unknown request " + std::to_string(unsigned(request.which())));
}

VoidResult ObjectServer::Observe(uint64_t target, Signals mask, ObserverToken client_token) {
  Exported e = TRY(Lookup(target, Rights::kWait));
  if (mask == Signals::kNone) return MakeError(Status::kInvalidArgs, "observer mask is empty");
  {
    MutexLock lock(&mu_);
    if (observers_.size() >= kMaxObservers) {
      return MakeError(Status::kNoMemory, "too many observers for one peer");
    }
    if (!observers_.emplace(client_token, ServerObserver{target, e.object, 0}).second) {
      return MakeError(Status::kAlreadyExists, "observer token is in use");
    }
  }
  std::weak_ptr<ObjectServer> weak = weak_from_this();
  auto token = e.object->ObserveAsync(mask, [weak, client_token](Signals observed) {
    if (auto server = weak.lock()) server->OnFired(client_token, observed);
  });
  MutexLock lock(&mu_);
  auto it = observers_.find(client_token);
  if (!token.ok()) {
    if (it != observers_.end()) observers_.erase(it);
    return std::move(token).error();
  }
  if (it != observers_.end()) it->second.token = *token;
  return Ok();
}

void ObjectServer::OnFired(ObserverToken client_token, Signals observed) {
  {
    MutexLock lock(&mu_);
    auto it = observers_.find(client_token);
    if (it == observers_.end()) return;  // Cancelled or released.
    observers_.erase(it);
  }
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<proto::ObjectEvent>();
  event.setToken(client_token);
  event.setObserved(uint32_t(observed));
  sink_(wire::ToBytes(message));
}

void ObjectServer::CancelObserve(ObserverToken client_token) {
  ServerObserver o;
  {
    MutexLock lock(&mu_);
    auto it = observers_.find(client_token);
    if (it == observers_.end()) return;
    o = std::move(it->second);
    observers_.erase(it);
  }
  if (auto object = o.object.lock(); object && o.token != 0) object->CancelObserver(o.token);
}

void ObjectServer::Release(uint64_t id) {
  Exported dropped;  // Released after the lock: its destructor may do anything.
  std::vector<ServerObserver> cancelled;
  {
    MutexLock lock(&mu_);
    auto it = exports_.find(id);
    if (it == exports_.end()) return;
    dropped = std::move(it->second);
    exports_.erase(it);
    for (auto o = observers_.begin(); o != observers_.end();) {
      if (o->second.export_id == id) {
        cancelled.push_back(std::move(o->second));
        o = observers_.erase(o);
      } else {
        ++o;
      }
    }
  }
  for (const ServerObserver& o : cancelled) {
    if (auto object = o.object.lock(); object && o.token != 0) object->CancelObserver(o.token);
  }
}

}  // namespace shoal::kernel
