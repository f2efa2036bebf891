// Loop: the kj event loop that carries one node's object protocol, on a
// thread of its own (ARCHITECTURE.md, invariants 4 and 7; docs/remote.md).
//
// Every Cap'n Proto object of the data plane (connections, capability
// clients, the servers that export kernel objects) lives on this thread and is
// touched only there. Other threads (scheduler workers, the reactor) reach it
// through Post(), which never blocks: it queues the function and wakes the
// loop through an eventfd it watches, so no thread ever polls.
//
// The loop also holds the set of object servers this node exported
// (servers()), shared by all its connections, so that a capability that comes
// back home is recognized and unwrapped to the original local object.
//
// Lifetime: Start() runs the thread; Stop() (or the destructor) ends it after
// destroying what lives on it. The owner (a node, a test) must drop the last
// reference from another thread than the loop's. Functions posted after Stop() are dropped on
// the posting thread without running (see LoopDeleter for objects that must
// not be destroyed off the loop).
#pragma once

#include <capnp/capability.h>
#include <kj/async-io.h>
#include <kj/async-unix.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/base/unique_fd.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

class Loop : public std::enable_shared_from_this<Loop> {
 public:
  // Starts the loop thread; returns once it is ready for Post().
  static std::shared_ptr<Loop> Start(std::string name);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Queues `fn` to run on the loop thread, in posting order. Never blocks;
  // callable from any thread, including the loop's own. Returns false (and
  // drops `fn` here) once the loop has stopped.
  bool Post(std::function<void()> fn);

  // Runs `fn` on the loop thread and returns its result, blocking the caller:
  // for setup, tests and tools, never for a scheduler worker or the loop
  // itself.
  template <typename T, typename Fn>
  T Run(Fn&& fn) {
    return Await<T>(
        [&](auto done) { Post([&fn, done = std::move(done)]() mutable { done(fn()); }); });
  }
  // Runs `fn` on the loop thread and waits for the promise it returns, for
  // the same callers as Run(). `fn` returns kj::Promise<R> where R is a
  // Result; a promise that throws gives R(error) with the exception's text.
  template <typename R, typename Fn>
  R RunAsync(Fn&& fn) {
    return Await<R>([&](auto done) {
      Post([this, &fn, done = std::move(done)]() mutable {
        auto shared = std::make_shared<decltype(done)>(std::move(done));
        Detach(fn().then([shared](R value) { (*shared)(std::move(value)); },
                         [shared](kj::Exception&& e) {
                           (*shared)(R(MakeError(Status::kInternal, e.getDescription().cStr())));
                         }),
               "run");
      });
    });
  }
  // Run() for functions with no result.
  template <typename Fn>
  void RunVoid(Fn&& fn) {
    Run<bool>([&] {
      fn();
      return true;
    });
  }

  // Ends the thread: runs the stop hooks, destroys the tasks and the
  // exported servers, then joins. Idempotent; not from the loop thread.
  void Stop();

  bool OnLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  const std::string& name() const { return name_; }

  // --- Loop thread only. ---
  kj::AsyncIoProvider& io() { return *io_->provider; }
  kj::LowLevelAsyncIoProvider& low_level() { return *io_->lowLevelProvider; }
  kj::Timer& timer() { return io_->provider->getTimer(); }
  // For watching a descriptor of one's own (kj::UnixEventPort::FdObserver).
  kj::UnixEventPort& event_port() { return io_->unixEventPort; }
  // Every object server this node exported.
  capnp::CapabilityServerSet<proto::rpc::Object>& servers() { return *servers_; }
  // Runs `promise` to completion in the background; a failure is logged with
  // `what` (a disconnection is not: links report those), never thrown.
  void Detach(kj::Promise<void> promise, const char* what);
  // Runs `hook` on the loop thread when the loop stops, before the servers
  // are destroyed (connections close themselves there).
  void AtStop(std::function<void()> hook);

 private:
  explicit Loop(std::string name) : name_(std::move(name)) {}
  void Main(std::promise<void>& ready);
  // Runs what was posted, then waits for the next wake.
  kj::Promise<void> DrainPosted();
  class Errors;

  const std::string name_;
  std::thread thread_;
  UniqueFd wake_fd_;  // eventfd: Post() writes, the loop reads.

  Mutex mu_;
  std::vector<std::function<void()>> posted_ GUARDED_BY(mu_);
  bool stopped_ GUARDED_BY(mu_) = false;
  std::atomic<bool> stop_requested_{false};

  // Loop-thread state, valid while the thread runs.
  kj::AsyncIoContext* io_ = nullptr;
  capnp::CapabilityServerSet<proto::rpc::Object>* servers_ = nullptr;
  kj::TaskSet* tasks_ = nullptr;
  kj::UnixEventPort::FdObserver* wake_observer_ = nullptr;
  kj::PromiseFulfiller<void>* stop_ = nullptr;
  std::vector<std::function<void()>> stop_hooks_;
};

// A deleter for objects that live on the loop (they hold capnp clients or kj
// promises): deletes on the loop thread, at once when already there, else
// through Post(); when the loop is gone the object is leaked, never destroyed
// on the wrong thread. Use with std::shared_ptr for state a proxy on a
// worker thread shares with the loop.
template <typename T>
std::shared_ptr<T> LoopShared(const std::shared_ptr<Loop>& loop, T* object) {
  std::weak_ptr<Loop> weak = loop;
  return std::shared_ptr<T>(object, [weak](T* p) {
    std::shared_ptr<Loop> l = weak.lock();
    if (l == nullptr) return;  // Leaked: the loop and its thread are gone.
    if (l->OnLoopThread()) {
      delete p;
    } else {
      (void)l->Post([p] { delete p; });
    }
  });
}

}  // namespace shoal::kernel::remote
