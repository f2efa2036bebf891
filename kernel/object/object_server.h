// ObjectServer: the serving side of the object protocol for one connection.
//
// It keeps an export table (export id -> object, rights granted to the
// peer), decodes each proto::ObjectRequest, checks the export's rights for the
// operation, calls the real object through its operations interface and
// encodes a proto::ObjectResponse. Observers the client asks for are registered on
// the real objects; when one fires, the server sends a proto::ObjectEvent through
// its EventSink.
//
// Hostile input: Handle() never crashes and never throws. Malformed bytes get
// a kMalformed response; unknown ids kBadHandle; an operation of another
// type kWrongType; a missing right kAccessDenied (the precedence of
// handle_table.h).
//
// Threading: thread-safe. No lock is held while an object is called, so
// callbacks and events may re-enter Handle() on the same thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/object/thread_annotations.h"
#include "proto/object.capnp.h"

namespace shoal::kernel {

class ObjectServer : public std::enable_shared_from_this<ObjectServer> {
 public:
  static constexpr size_t kMaxExports = 1 << 16;
  static constexpr size_t kMaxObservers = 4096;

  // Receives encoded proto::ObjectEvent messages, on whichever thread an observer
  // fired (never under an object lock).
  using EventSink = std::function<void(std::vector<uint8_t> event)>;

  static Ref<ObjectServer> Create(EventSink sink);
  ~ObjectServer();

  // Exports `object` to the peer with `rights`; returns its export id (never
  // 0). kNoMemory past kMaxExports.
  Result<uint64_t> Export(Ref<KernelObject> object, Rights rights);

  // Receives one encoded proto::ObjectResponse.
  using Reply = std::function<void(std::vector<uint8_t> response)>;

  // Serves one encoded proto::ObjectRequest; `reply` gets the encoded
  // response exactly once. Most operations answer before Serve returns; file
  // reads, writes and syncs answer from their completion (on the reactor's
  // thread for a local File), so the caller never waits for the disk.
  void Serve(std::span<const uint8_t> request, Reply reply);

  // Serve, blocking until the response is in; for callers that may block
  // (tests, the fuzzer).
  std::vector<uint8_t> Handle(std::span<const uint8_t> request);

  size_t export_count() const;
  size_t observer_count() const;

 private:
  struct Exported {
    Ref<KernelObject> object;
    Rights rights;
  };
  struct ServerObserver {
    uint64_t export_id;
    std::weak_ptr<KernelObject> object;
    ObserverToken token;  // 0 until ObserveAsync returned.
  };

  explicit ObjectServer(EventSink sink) : sink_(std::move(sink)) {}

  VoidResult Dispatch(proto::ObjectRequest::Reader request,
                      proto::ObjectResponse::Builder response);
  // The export `id`, if it has `required`.
  Result<Exported> Lookup(uint64_t id, Rights required) const;
  // The export `id` as a T (an operations interface), if it has `required`.
  template <typename T>
  Result<Ref<T>> LookupAs(uint64_t id, Rights required) const;

  VoidResult Observe(uint64_t target, Signals mask, ObserverToken client_token);
  void CancelObserve(ObserverToken client_token);
  void Release(uint64_t id);
  void OnFired(ObserverToken client_token, Signals observed);

  VoidResult ServeChannel(uint64_t target, proto::ObjectRequest::Reader request,
                          proto::ObjectResponse::Builder response);
  VoidResult ServePort(uint64_t target, proto::ObjectRequest::Reader request,
                       proto::ObjectResponse::Builder response);
  VoidResult ServeTimer(uint64_t target, proto::ObjectRequest::Reader request);
  VoidResult ServeConsole(uint64_t target, proto::ObjectRequest::Reader request,
                          proto::ObjectResponse::Builder response);
  // object_server_device.cc
  VoidResult ServeDevice(uint64_t target, proto::ObjectRequest::Reader request,
                         proto::ObjectResponse::Builder response);
  VoidResult ServeProcess(uint64_t target, proto::ObjectRequest::Reader request,
                          proto::ObjectResponse::Builder response);
  // Files and directories (object_server_fs.cc). A failing file operation
  // is a response with status kIoError and its hostErrno, built here.
  VoidResult ServeFile(uint64_t target, proto::ObjectRequest::Reader request,
                       proto::ObjectResponse::Builder response);
  // File reads, writes and syncs: start the operation with `reply` moved
  // into its completion (`started` is then set), or fail before starting.
  VoidResult StartFileIo(uint64_t target, proto::ObjectRequest::Reader request, Reply& reply,
                         bool& started);
  VoidResult ServeDirectory(uint64_t target, proto::ObjectRequest::Reader request,
                            proto::ObjectResponse::Builder response);

  const EventSink sink_;
  mutable Mutex mu_;
  uint64_t next_export_ GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Exported> exports_ GUARDED_BY(mu_);
  std::map<ObserverToken, ServerObserver> observers_ GUARDED_BY(mu_);  // By client token.
};

template <typename T>
inline Result<Ref<T>> ObjectServer::LookupAs(uint64_t id, Rights required) const {
  // Type before rights: the precedence of handle_table.h.
  Exported e = TRY(Lookup(id, Rights::kNone));
  if (e.object->type() != T::kType) {
    return MakeError(Status::kWrongType, "export " + std::to_string(id) + " is a " +
                                             std::string(ObjectTypeName(e.object->type())));
  }
  if (!Contains(e.rights, required)) {
    return MakeError(Status::kAccessDenied, "export lacks a right the operation needs");
  }
  // Every object with T's type tag implements T (local objects and proxies).
  return std::static_pointer_cast<T>(std::move(e.object));
}

}  // namespace shoal::kernel
