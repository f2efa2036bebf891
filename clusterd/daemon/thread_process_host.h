// ThreadProcessHost: the INTERIM ProcessHost, one host thread per process,
// each running kernel/wasi's RunWasiMain. It exists so the daemon, the admin
// API and the CLI work before the kernel's M:N scheduler lands; that
// scheduler (kernel/sched) will implement ProcessHost and replace this file
// pair. Until then a process blocks its own thread while parked (sleeping,
// reading stdin), which invariant 4 forbids for the real kernel.
//
// Kill sets a flag that RunWasiMain's should_stop hook reads between fuel
// slices (kSliceFuel) and at least every 100 ms while parked. fuel_used is
// known only once a process ends (RunWasiMain reports it then).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "clusterd/daemon/console_buffer.h"
#include "clusterd/process_host.h"

namespace shoal::clusterd {

struct ThreadProcessHostOptions {
  size_t console_retain_bytes = 1 << 20;  // Per process.
  size_t max_ended_retained = 256;        // Ended processes kept for ps/logs/wait.
};

class ThreadProcessHost : public ProcessHost {
 public:
  explicit ThreadProcessHost(ThreadProcessHostOptions options = {}) : options_(options) {}
  // Stops every running process and joins its thread.
  ~ThreadProcessHost() override;

  VoidResult Spawn(SpawnSpec spec) override;
  std::vector<ProcessInfo> List() const override;
  std::optional<ProcessInfo> Get(uint64_t pid) const override;
  Result<bool> Kill(uint64_t pid) override;
  Result<ExitInfo> Wait(uint64_t pid, Deadline deadline) override;
  Result<ConsoleRead> ReadConsole(uint64_t pid, uint64_t offset, size_t max_bytes,
                                  Deadline deadline) override;
  void SetObserver(Observer observer) override { observer_ = std::move(observer); }

 private:
  struct Entry;
  std::shared_ptr<Entry> Find(uint64_t pid) const;
  void RunProcess(std::shared_ptr<Entry> entry, SpawnSpec spec);
  // Joins threads of reaped processes; never called on a process thread.
  void JoinFinishedThreads();
  // Drops the oldest ended entries beyond the retention bound.
  void ReapLocked();

  const ThreadProcessHostOptions options_;
  Observer observer_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
  std::vector<std::thread> finished_threads_;           // GUARDED_BY(mu_); joined later.
};

}  // namespace shoal::clusterd
