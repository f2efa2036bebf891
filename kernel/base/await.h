// Await: block the calling thread until a callback-style operation answers.
//
// For threads that may block (tests, tools, the synchronous forms of the
// object protocol); never call it on a scheduler worker for an operation that
// can take time: the process should park instead.
#pragma once

#include <optional>
#include <utility>

#include "kernel/base/thread_annotations.h"

namespace shoal {

// Runs `start(done)`, where `done(T)` must be called exactly once, on any
// thread, possibly before `start` returns; returns what `done` received.
// `done` is a one-pointer callable, so a std::function holds it in place.
template <typename T, typename Start>
T Await(Start&& start) {
  struct State {
    Mutex mu;
    CondVar cv;
    std::optional<T> outcome GUARDED_BY(mu);
  } state;
  State* s = &state;
  start([s](T value) {
    // Notified under the lock, so the waiter cannot return (and destroy the
    // state) before this callback is done with it.
    MutexLock lock(&s->mu);
    s->outcome.emplace(std::move(value));
    s->cv.SignalAll();
  });
  MutexLock lock(&state.mu);
  while (!state.outcome.has_value()) state.cv.Wait(state.mu);
  return std::move(*state.outcome);
}

}  // namespace shoal
