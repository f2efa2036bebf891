// Await: block the calling thread until a callback-style operation answers.
//
// For threads that may block (tests, tools, the synchronous forms of the
// object protocol); never call it on a scheduler worker for an operation that
// can take time: the process should park instead.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

namespace shoal {

// Runs `start(done)`, where `done(T)` must be called exactly once, on any
// thread, possibly before `start` returns; returns what `done` received.
template <typename T, typename Start>
T Await(Start&& start) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<T> outcome;
  start([&](T value) {
    // Notified under the lock, so the waiter cannot return (and destroy these
    // locals) before this callback is done with them.
    std::lock_guard lock(mu);
    outcome.emplace(std::move(value));
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return outcome.has_value(); });
  return std::move(*outcome);
}

}  // namespace shoal
