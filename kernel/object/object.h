// KernelObject: the base of everything a handle can name.
//
// Ownership: objects are reference counted with std::shared_ptr (`Ref<T>`).
// A handle table entry, a message in a channel queue and a server exporting
// the object to another node (kernel/remote) each hold one reference;
// nothing else owns an object.
//
// Signals: each object has a small set of level-triggered state bits
// (readable, writable, peer closed, signaled) that anyone holding a
// reference may observe. ObserveAsync registers a one-shot observer; the
// scheduler uses it to park a process waiting on one object, and Port uses it
// to turn signal changes into packets.
//
// Operations: each object type declares its operations once, in an interface
// (ChannelOps, FileOps, DirectoryOps, DeviceOps, ...) that the local object
// and every proxy implement. An operation a proxy can answer only after a
// round trip to the node that holds the object is asynchronous, one virtual
// named with an `Async` suffix:
//   using XDone = std::function<void(R outcome)>;
//   virtual void XAsync(args..., XDone done) = 0;
// The implementation calls `done` exactly once: before returning when it can
// answer at once (a local object always does, on the calling thread),
// otherwise later, on any thread. Arguments passed as views (string_view,
// span) or references need stay valid only until XAsync returns; an
// implementation that answers later copies what it still needs. Host calls
// run these operations through their process's PendingCall
// (kernel/base/pending_call.h), so a process waits for `done` parked, never
// holding its worker (ARCHITECTURE.md, invariant 4).
//
// Beside each, a non-virtual blocking form with the plain name and the plain
// result, `R X(args...)`, starts XAsync and waits for `done` (Await,
// kernel/base/await.h). It is for threads that may block: tests, tools, the
// daemon's own threads. It must never run on a scheduler worker, where a
// proxied object would hold the worker for a network round trip. Operations
// that never wait (signals, observers, channel and port calls, whose waiting
// is kShouldWait plus ObserveAsync) stay plain virtuals.
//
// Threading: every method is thread-safe. Signal state sits under a private
// leaf lock (signal_mu_). Subclasses keep their own state under their own
// lock and call UpdateSignals() while holding it; observer callbacks are never
// run under any object lock: UpdateSignals() moves them into a Notifications
// batch, which runs them when it is destroyed. Declare the batch before the
// lock guard so that it is destroyed after the guard.
//
// Lock order (outer first): an object's own lock, then signal_mu_. A handle
// table's lock never nests with either. Callbacks may take any lock, because
// none is held when they run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernel/base/bitmask.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/rights.h"

namespace shoal::kernel {

template <typename T>
using Ref = std::shared_ptr<T>;

// The type tag of an object; Get<T>() checks it. Values are stable: they cross
// the wire between nodes (proto/object_rpc.capnp).
enum class ObjectType : uint8_t {
  kChannel = 1,
  kPort = 2,
  kTimer = 3,
  kConsole = 4,
  kFile = 5,
  kDirectory = 6,
  kProcess = 7,
  kDevice = 8,
  kSpawner = 9,
  kCamera = 10,  // rdev/camera.h
  kAudio = 11,   // rdev/audio.h
};
constexpr uint8_t kMaxObjectType = 11;

// "channel", "port", ...; "unknown" for values outside the enum.
std::string_view ObjectTypeName(ObjectType type);

// State bits. Which ones an object type uses is documented in its header.
enum class Signals : uint32_t {
  kNone = 0,
  kReadable = 1u << 0,    // Data or packets can be read now.
  kWritable = 1u << 1,    // A write would not return kShouldWait now.
  kPeerClosed = 1u << 2,  // The other side (channel peer, console writer) is gone.
  kSignaled = 1u << 3,    // A timer fired; a process exited.
  kAll = (1u << 4) - 1,
};
SHOAL_BITMASK(Signals)

// Names an observer of one object; never 0.
using ObserverToken = uint64_t;
// Receives the object's signals as they were when the observer fired.
using ObserverCallback = std::function<void(Signals observed)>;

// Observer callbacks collected under a lock and run after it is released.
// Runs them, in order, on destruction (or at Run()).
class Notifications {
 public:
  Notifications() = default;
  ~Notifications() { Run(); }
  Notifications(const Notifications&) = delete;
  Notifications& operator=(const Notifications&) = delete;

  void Add(ObserverCallback callback, Signals observed) {
    pending_.emplace_back(std::move(callback), observed);
  }
  void Run();

 private:
  std::vector<std::pair<ObserverCallback, Signals>> pending_;
};

class KernelObject : public std::enable_shared_from_this<KernelObject> {
 public:
  // Observers one object holds at most; more get kNoMemory. A process waits on
  // one object at a time and a port bounds its own registrations, so only a
  // bug or a hostile peer reaches this.
  static constexpr size_t kMaxObservers = 4096;

  virtual ~KernelObject();
  KernelObject(const KernelObject&) = delete;
  KernelObject& operator=(const KernelObject&) = delete;

  ObjectType type() const { return type_; }

  // The current signals. A proxy answers with the signals its node mirrors.
  virtual Signals signals() const;

  // Calls `callback` once, when any bit of `mask` is set: at once, on this
  // thread and before returning, if one is set already; otherwise on the
  // thread that sets it, after that thread has released the object's locks.
  // Errors: kInvalidArgs for an empty mask, kNoMemory past kMaxObservers.
  // The callback must not assume the object still exists; it receives the
  // signals rather than reading them. Pending observers are dropped, never
  // called, when the object is destroyed.
  virtual Result<ObserverToken> ObserveAsync(Signals mask, ObserverCallback callback);

  // Removes an observer. Returns true when its callback will not run; false
  // when it already ran, is running, or the token is unknown.
  virtual bool CancelObserver(ObserverToken token);

  // How many observers wait on it now: an object someone watches cannot move
  // to another node by value (kernel/proc/checkpoint.cc).
  size_t observer_count() const;

  // Why a process holding this object cannot migrate now, or nullopt. A
  // migrating process's objects travel as capabilities (checkpoint.h); an
  // object that holds state a capability does not carry (a proxy with
  // data it fetched ahead) says so, and the move is refused before
  // anything is frozen.
  virtual std::optional<std::string> WhyNotMovable() const { return std::nullopt; }

 protected:
  explicit KernelObject(ObjectType type, Signals initial = Signals::kNone);

  // Clears `clear`, then sets `set`; observers whose mask meets the signals now
  // set are removed and handed to `fired`. May be called with the subclass's
  // own lock held (not with signal_mu_).
  void UpdateSignals(Signals clear, Signals set, Notifications& fired) EXCLUDES(signal_mu_);

  // Fires observers whose mask meets `bits` without changing the signals: an
  // edge for state that has no useful level (new console data).
  void PulseSignals(Signals bits, Notifications& fired) EXCLUDES(signal_mu_);

 private:
  struct Observer {
    ObserverToken token;
    Signals mask;
    ObserverCallback callback;
  };
  void FireLocked(Signals bits, Notifications& fired) REQUIRES(signal_mu_);

  const ObjectType type_;
  mutable Mutex signal_mu_;
  Signals signals_ GUARDED_BY(signal_mu_);
  ObserverToken next_token_ GUARDED_BY(signal_mu_) = 1;
  std::vector<Observer> observers_ GUARDED_BY(signal_mu_);
};

// One slot of a handle table, and a handle in flight inside a channel message.
struct HandleEntry {
  Ref<KernelObject> object;
  Rights rights = Rights::kNone;
};

// The rights a new handle to a fresh object of `type` gets.
Rights DefaultRights(ObjectType type);

}  // namespace shoal::kernel
