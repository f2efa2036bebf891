// Helpers for the scheduler and reactor tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace shoal::kernel::testing {

// Every wait in these tests is bounded: a hang becomes a failure.
inline constexpr std::chrono::seconds kPatience{60};

// Polls `ready` every millisecond until it holds or `patience` passes.
template <typename Pred>
bool WaitUntil(Pred ready, std::chrono::milliseconds patience = kPatience) {
  auto give_up = std::chrono::steady_clock::now() + patience;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Burns a little CPU, so that a step takes measurable time.
inline void Spin(unsigned iterations) {
  volatile unsigned sink = 0;
  for (unsigned i = 0; i < iterations; ++i) sink = sink + i;
}

// Counts events from any thread; waits, bounded, for a number of them.
class EventCounter {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  uint64_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  bool WaitFor(uint64_t n, std::chrono::milliseconds patience = kPatience) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, patience, [&] { return count_ >= n; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t count_ = 0;
};

}  // namespace shoal::kernel::testing
