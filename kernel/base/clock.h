// The clocks the kernel reads, in nanoseconds: one place for clock_gettime.
#pragma once

#include <time.h>

#include <cstdint>

namespace shoal {

// Nanoseconds of CLOCK_MONOTONIC: deadlines, timers, time spent.
using MonotonicNs = uint64_t;

// `clock` (a clock_gettime id) in nanoseconds.
inline uint64_t ReadClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

inline MonotonicNs MonotonicNow() { return ReadClockNs(CLOCK_MONOTONIC); }

// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
inline uint64_t RealtimeNow() { return ReadClockNs(CLOCK_REALTIME); }

}  // namespace shoal
