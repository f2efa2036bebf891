// What the servers and proxies of files and directories (and the other
// types whose operations are `...Async`) share: answering a call from an
// operation's completion on the loop thread, a refusal as an answer, file
// attributes on the wire, and calls whose failures are host errnos.
//
// Threading: the loop thread, except ErrnoProxy::Send (any thread).
#pragma once

#include <kj/async.h>

#include <functional>
#include <memory>
#include <utility>

#include "kernel/object/errno_result.h"
#include "kernel/object/file.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/proxy.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

// The value `start(done)` hands to `done`, on the loop thread whichever
// thread `done` runs on (the io_uring reactor's, a proxy's loop).
template <typename V, typename Start>
kj::Promise<V> Completion(Start&& start) {
  auto answer = kj::newPromiseAndCrossThreadFulfiller<V>();
  auto fulfiller =
      std::make_shared<kj::Own<kj::CrossThreadPromiseFulfiller<V>>>(kj::mv(answer.fulfiller));
  start([fulfiller](V value) { (*fulfiller)->fulfill(kj::mv(value)); });
  return kj::mv(answer.promise);
}

// Answers `context` with the refusal when `allowed` (a server's Require())
// failed; true when the call may go on.
template <typename Context>
bool Allowed(Context& context, const VoidResult& allowed) {
  if (!allowed.ok()) SetOutcome(context.getResults().initOutcome(), allowed);
  return allowed.ok();
}

void WriteFileAttr(const FileAttr& attr, proto::rpc::FileAttr::Builder out);
FileAttr ReadFileAttr(proto::rpc::FileAttr::Reader in);

// An ErrnoResult that RemoteObject::Call can also make from the Error of a
// call that failed (kPeerGone becomes EHOSTUNREACH).
template <typename T>
struct ErrnoAnswer : ErrnoResult<T> {
  ErrnoAnswer(ErrnoResult<T> result) : ErrnoResult<T>(std::move(result)) {}        // NOLINT
  ErrnoAnswer(const Error& error) : ErrnoResult<T>(HostError{ErrnoFor(error)}) {}  // NOLINT
};

// A proxy of `Ops` whose calls on `Interface` answer host errnos.
template <typename Ops, typename Interface>
class ErrnoProxy : public Ops, public RemoteObject {
 protected:
  ErrnoProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : Ops(Ops::kType), RemoteObject(std::move(link), kj::mv(capability)) {}

  // RemoteObject::Call with the errno of the response's outcome checked
  // before `read` makes the value.
  template <typename T, typename Build, typename Read>
  void Send(Build build, Read read, std::function<void(ErrnoResult<T>)> done) const {
    this->template Call<Interface, ErrnoAnswer<T>>(
        std::move(build),
        [read = std::move(read)](auto& response) -> ErrnoAnswer<T> {
          if (int error = ReadErrnoOutcome(response.getOutcome())) {
            return ErrnoResult<T>(HostError{error});
          }
          return read(response);
        },
        std::function<void(ErrnoAnswer<T>)>(
            [done = std::move(done)](ErrnoAnswer<T> answer) { done(std::move(answer)); }));
  }
};

}  // namespace shoal::kernel::remote
