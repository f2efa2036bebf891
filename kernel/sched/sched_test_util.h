// Helpers for the scheduler and reactor tests.
#pragma once

#include <chrono>
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

}  // namespace shoal::kernel::testing
