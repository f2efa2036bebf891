// LoadSampler: this node's load as its heartbeats report it (admin.proto's
// NodeLoad): the kernel's scheduler counters, and the daemon's CPU and
// resident memory from /proc/self. The CPU share is measured between
// samples at least kMinWindow apart, so callers asking more often (every
// ListNodes reads this node's own member) get the last full window's.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "clusterd/daemon/kernel_process_host.h"
#include "clusterd/daemon/registry.h"

namespace shoal::clusterd {

class LoadSampler {
 public:
  static constexpr std::chrono::milliseconds kMinWindow{500};

  // Thread-safe.
  MemberLoad Sample(const KernelLoad& kernel);

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point window_start_;  // Guarded by mu_.
  uint64_t window_cpu_ticks_ = 0;                       // Guarded by mu_.
  uint32_t cpu_permille_ = 0;                           // Guarded by mu_.
};

}  // namespace shoal::clusterd
