// Flow on the loop thread: steps that must run in arrival order, a delivery
// that waits for room, and observers that wake the loop.
//
// Threading: Sequence and WhenRoom on the loop thread; ObserveOnLoop from any.
#pragma once

#include <kj/async.h>

#include <functional>
#include <memory>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/remote/loop.h"

namespace shoal::kernel::remote {

// Runs steps one after another in the order they were added, each once the
// promise of the one before has settled (a failed step does not stop the
// next). For calls whose handling waits (an import, room) but whose effects
// must follow their arrival order.
class Sequence {
 public:
  Sequence() = default;
  // Drops the steps not yet run. (kj promises may throw from destructors;
  // here that would be a bug.)
  ~Sequence() noexcept {}
  // Runs `step()` (returning void or kj::Promise<void>) after the earlier
  // steps; the promise settles with it.
  template <typename Step>
  kj::Promise<void> Then(Step&& step) {
    auto mine = tail_.addBranch().then(kj::fwd<Step>(step)).fork();
    tail_ = mine.addBranch().catch_([](kj::Exception&&) {}).fork();
    return mine.addBranch();
  }

 private:
  kj::ForkedPromise<void> tail_ = kj::Promise<void>(kj::READY_NOW).fork();
};

// Resolves once there is room: at once when `reserve(wake)` returns true;
// otherwise `reserve` keeps `wake` and runs it on the loop thread once room
// appears. `wake` may be dropped on any thread without running; the promise
// then fails.
kj::Promise<void> WhenRoom(const std::shared_ptr<Loop>& loop,
                           const std::function<bool(std::function<void()> wake)>& reserve);

// ObserveAsync(mask) on `object`, with `fn` run on the loop thread when the
// observer fires (never on the thread that set the signal, which may hold
// locks). `fn` may be destroyed on any thread without running.
Result<ObserverToken> ObserveOnLoop(KernelObject& object, Signals mask,
                                    const std::shared_ptr<Loop>& loop, std::function<void()> fn);

}  // namespace shoal::kernel::remote
