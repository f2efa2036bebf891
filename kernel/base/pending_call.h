// PendingCall: one asynchronous operation a host call started, found again
// by the retried call; IoWait: what a parked process waits on meanwhile.
//
// A host call whose operation may complete later (a file read on the
// reactor, a lookup in a directory on another node) must not wait on its
// worker (ARCHITECTURE.md, invariant 4). It goes through its process's
// PendingCall instead:
//   1. Run(key, start) calls `start(done)`, which begins the operation with a
//      completion callback. A local object calls `done` before `start`
//      returns, and Run returns the outcome at once: nothing parks.
//   2. Otherwise Run returns nullopt. The host call parks its process on
//      TakeWait() and returns (HostAction::kYield).
//   3. `done` runs later, on any thread; the IoWait wakes the process, which
//      retries the host call from the start with the same arguments. Run with
//      an equal key finds the operation (it does not start it again) and
//      returns its outcome.
// A Run with any other key abandons the earlier operation: its completion
// lands in a record nobody reads, freed once the completion has run. So does
// Abandon(), and destroying the PendingCall (a process that ends while a call
// is in flight).
//
// Keys: a value naming the operation and every argument that decides its
// outcome, compared with ==. The key's type (with the outcome type T) says
// which operation it is, so each host call uses its own key type, usually a
// PendingKey with a tag of its own. A key that names an object holds a Ref
// to it, so that while an operation stays here no other object can take the
// same address; a bare pointer does only where something else keeps the
// object alive as long as the key is live (a call that always parks on its
// operation in flight, so that the caller's handle stays).
//
// Cost: a local operation completes inline with no lock and no atomic
// operation and, after the first call of its kind, no allocation (the record
// is reused once collected); `done` is a one-pointer callable, which
// std::function stores in place.
//
// Threading: a PendingCall belongs to one process and is used by the thread
// running it, one call at a time; `done` and IoWait's methods may run on any
// thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include "kernel/base/thread_annotations.h"

namespace shoal {

class PendingCall;

// The completion of an asynchronous operation, which a parked process waits
// for. Complete() marks it done and runs the waker registered with OnDone().
// Thread-safe.
class IoWait {
 public:
  IoWait() = default;
  // Waits for a Complete() that is still leaving on another thread.
  ~IoWait();
  IoWait(const IoWait&) = delete;
  IoWait& operator=(const IoWait&) = delete;

  // Marks the operation done and runs the waker, if one is registered, once.
  void Complete();
  // Runs `wake` once the operation is done: at once, on this thread, if it
  // is done already. A later call replaces an earlier waker that has not run.
  void OnDone(std::function<void()> wake);
  bool done() const { return (state_.load(std::memory_order_acquire) & kDone) != 0; }

 private:
  friend class PendingCall;
  // State bits. kWaker and kOrphan are set under mu_; kDone is set either by
  // Complete()'s lock-free path (when neither is set) or under mu_.
  static constexpr uint8_t kDone = 1;
  static constexpr uint8_t kWaker = 2;   // wake_ is set.
  static constexpr uint8_t kOrphan = 4;  // self_ is set.

  // Makes a collected wait reusable: not done, no waker. Only by its sole
  // owner.
  void Rearm() {
    // Completed on the lock-free path, or inline without marking it (nobody
    // waited): no other thread touches it any more, and there is no waker
    // to drop.
    uint8_t s = state_.load(std::memory_order_acquire);
    if (s == kDone || s == 0) {
      state_.store(0, std::memory_order_relaxed);
      return;
    }
    RearmUnderLock();
  }
  void RearmUnderLock() EXCLUDES(mu_);
  // Hands `owner` (the last owner) to the wait itself until it completes, and
  // returns true; false, leaving `owner` alone, when it is done already.
  static bool Orphan(std::shared_ptr<IoWait>& owner);

  std::atomic<uint8_t> state_{0};
  Mutex mu_;
  std::function<void()> wake_ GUARDED_BY(mu_);
  std::shared_ptr<IoWait> self_ GUARDED_BY(mu_);  // An abandoned op's owner.
};

// A key: the arguments of one operation, whose type `Tag` names it, e.g.
//   using StatAtKey = PendingKey<struct StatAtTag, Ref<DirectoryOps>, std::string, bool>;
template <typename Tag, typename... Args>
struct PendingKey {
  explicit PendingKey(Args... values) : args(std::move(values)...) {}
  bool operator==(const PendingKey&) const = default;
  std::tuple<Args...> args;
};

namespace pending_internal {

// The record of one operation: its key and, once done, its outcome.
class OpBase : public IoWait {
 public:
  virtual ~OpBase() = default;
  // Identifies the (Key, T) pair, so Find can tell operations apart.
  const void* tag() const { return tag_; }
  // Drops the key and the outcome (and the objects they hold).
  virtual void Clear() = 0;

  // The op whose `start` runs on this thread, if any. A completion that
  // finds its own op here is inline (a local object answering before
  // `start` returned): it puts the outcome in Run's result and sets
  // inline_done, touching no atomic. Each thread reads its own copy, so
  // none races.
  static inline thread_local const OpBase* starting = nullptr;
  bool inline_done = false;  // Written only by the starting thread.

 protected:
  explicit OpBase(const void* tag) : tag_(tag) {}

 private:
  const void* const tag_;
};

template <typename Key, typename T>
class Op final : public OpBase {
 public:
  static constexpr char kTag = 0;  // Its address is the tag.
  Op() : OpBase(&kTag) {}

  // Called exactly once, on any thread: publishes the outcome.
  void Finish(T&& value) {
    if (starting == this) {  // Straight into Run's result.
      inline_out->emplace(std::move(value));
      inline_done = true;
      return;
    }
    outcome.emplace(std::move(value));
    Complete();
  }
  void Clear() override {
    key.reset();
    outcome.reset();
  }

  std::optional<Key> key;    // Set while the op is live.
  std::optional<T> outcome;  // Written by Finish() before Complete().
  // Where an inline completion puts the outcome: Run's result, while
  // `start` runs.
  std::optional<T>* inline_out = nullptr;
};

// The `done` that Run hands to `start`: one pointer, so std::function keeps
// it without allocating. The op outlives it (an abandoned op owns itself
// until Finish has run).
template <typename Key, typename T>
struct Completer {
  Op<Key, T>* op;
  void operator()(T&& value) const { op->Finish(std::move(value)); }
  void operator()(const T& value) const { op->Finish(T(value)); }
};

}  // namespace pending_internal

class PendingCall {
 public:
  PendingCall() = default;
  ~PendingCall() { Abandon(); }
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  // The outcome of the operation `key` names: the one in flight for an equal
  // key (the retried call), else a new one, `start(done)`, which must call
  // `done(T)` exactly once, on any thread, possibly before it returns.
  // nullopt while it runs: park on TakeWait() and retry the call.
  template <typename T, typename Key, typename Start>
  std::optional<T> Run(Key key, Start&& start) {
    using Op = pending_internal::Op<Key, T>;
    std::optional<T> result;
    Op* op = Find<Key, T>(key);
    if (op == nullptr) {
      op = Claim<Key, T>(std::move(key));
      op->inline_out = &result;
      // While `start` runs, a completion on this thread (a local object
      // answering) lands in `result` with no atomic operation; a nested Run
      // clears `starting`, which only sends this one the atomic way.
      pending_internal::OpBase::starting = op;
      start(pending_internal::Completer<Key, T>{op});
      pending_internal::OpBase::starting = nullptr;
      if (op->inline_done) {
        parked_ = false;
        live_ = false;  // Collected: the record stays for reuse.
        op->Clear();
        return result;
      }
    }
    if (!op->done()) {
      parked_ = true;
      return result;  // nullopt
    }
    parked_ = false;
    live_ = false;
    result.swap(op->outcome);
    op->Clear();
    return result;
  }

  // True when the operation in flight (or done but not collected) is the
  // one `key` names: a retry would collect it rather than start another.
  template <typename T, typename Key>
  bool Holds(const Key& key) const {
    return Find<Key, T>(key) != nullptr;
  }

  // What to park on after Run returned nullopt; null otherwise. Taken once.
  std::shared_ptr<IoWait> TakeWait() {
    if (!parked_) return nullptr;
    parked_ = false;
    return op_;
  }

  // Forgets the operation in flight (its completion is dropped) or the
  // outcome nobody collected.
  void Abandon() {
    parked_ = false;
    if (live_) AbandonLive();
  }

  // True while an operation is in flight or its outcome waits uncollected.
  bool live() const { return live_; }

 private:
  template <typename Key, typename T>
  pending_internal::Op<Key, T>* Find(const Key& key) const {
    using Op = pending_internal::Op<Key, T>;
    if (!live_ || op_->tag() != &Op::kTag) return nullptr;
    auto* op = static_cast<Op*>(op_.get());
    return *op->key == key ? op : nullptr;
  }

  // A record for `key`, abandoning whatever was live: the collected one of
  // the same kind when nobody else holds it, else a new one.
  template <typename Key, typename T>
  pending_internal::Op<Key, T>* Claim(Key key) {
    using Op = pending_internal::Op<Key, T>;
    Abandon();
    Op* op = nullptr;
    if (op_ && op_->tag() == &Op::kTag && op_.use_count() == 1) {
      op = static_cast<Op*>(op_.get());
      op->Rearm();
    } else {
      auto fresh = std::make_shared<Op>();
      op = fresh.get();
      op_ = std::move(fresh);
    }
    op->key.emplace(std::move(key));
    op->inline_done = false;
    live_ = true;
    return op;
  }

  void AbandonLive();

  std::shared_ptr<pending_internal::OpBase> op_;  // The last op; null at first.
  bool live_ = false;                             // op_ is in flight or its outcome is uncollected.
  bool parked_ = false;  // The last Run left op_ in flight; TakeWait() not yet called.
};

}  // namespace shoal
