#include "clusterd/daemon/load_sampler.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace shoal::clusterd {
namespace {

// User and system CPU of this process in clock ticks (/proc/self/stat
// fields 14 and 15); 0 when it cannot be read.
uint64_t CpuTicks() {
  std::ifstream in("/proc/self/stat");
  std::string stat;
  std::getline(in, stat);
  // The command name (field 2) may hold spaces: count fields after its ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  uint64_t user = 0, system = 0;
  fields >> user >> system;
  return user + system;
}

// Resident bytes (/proc/self/statm's second field).
uint64_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * uint64_t(::sysconf(_SC_PAGESIZE));
}

}  // namespace

MemberLoad LoadSampler::Sample(const KernelLoad& kernel) {
  MemberLoad load;
  load.workers = kernel.workers;
  load.busy_workers = uint32_t(kernel.busy_workers);
  load.run_queue = kernel.run_queue_length;
  load.memory_bytes = ResidentBytes();
  load.memory_total_bytes = uint64_t(::sysconf(_SC_PHYS_PAGES)) * uint64_t(::sysconf(_SC_PAGESIZE));

  auto now = std::chrono::steady_clock::now();
  uint64_t ticks = CpuTicks();
  MutexLock lock(&mu_);
  auto elapsed = now - window_start_;
  if (window_start_.time_since_epoch().count() == 0) {
    window_start_ = now;
    window_cpu_ticks_ = ticks;
  } else if (elapsed >= kMinWindow) {
    double cpu_s = double(ticks - window_cpu_ticks_) / double(::sysconf(_SC_CLK_TCK));
    double wall_s = std::chrono::duration<double>(elapsed).count();
    cpu_permille_ = uint32_t(cpu_s / wall_s * 1000.0 + 0.5);
    window_start_ = now;
    window_cpu_ticks_ = ticks;
  }
  load.cpu_permille = cpu_permille_;
  return load;
}

}  // namespace shoal::clusterd
