// LoadSampler: this node's load as its heartbeats report it (admin.proto's
// NodeLoad): the kernel's scheduler counters, and the daemon's CPU and
// resident memory from /proc/self. The CPU share is measured between
// samples at least kMinWindow apart, so callers asking more often (every
// ListNodes reads this node's own member) get the last full window's.
#pragma once

#include <chrono>
#include <cstdint>

#include "clusterd/daemon/kernel_process_host.h"
#include "clusterd/daemon/registry.h"
#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd {

class LoadSampler {
 public:
  static constexpr std::chrono::milliseconds kMinWindow{500};

  // Thread-safe.
  MemberLoad Sample(const KernelLoad& kernel);

 private:
  Mutex mu_;
  std::chrono::steady_clock::time_point window_start_ GUARDED_BY(mu_);
  uint64_t window_cpu_ticks_ GUARDED_BY(mu_) = 0;
  uint32_t cpu_permille_ GUARDED_BY(mu_) = 0;
};

}  // namespace shoal::clusterd
