// ProcessObject: the kernel object a process handle names; the local
// ProcessOps (kernel/object/process_ops.h).
//
// It outlives the process it stands for (a parent may wait long after the
// child's VM state was released) and holds only what an observer needs: the
// pid, the exit status once there is one, and a weak link to the running
// Process for Terminate and Kill.
//
// After a migration the process runs on another node: the object forwards
// (Forward()) Terminate and Kill to the process there, and signals the exit
// it reports, so holders of the handle see no difference.
//
// Signals: kSignaled once the process has ended (level; never cleared).
// Threading: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernel/base/thread_annotations.h"
#include "kernel/object/object.h"
#include "kernel/object/process_ops.h"

namespace shoal::kernel {

class Process;

class ProcessObject final : public ProcessOps {
 public:
  static Ref<ProcessObject> Create(uint64_t pid, std::vector<std::string> args);

  // ProcessOps.
  Result<ProcessInfo> Info() override;
  VoidResult Terminate() override;
  VoidResult Kill() override;

  uint64_t pid() const { return pid_; }
  // The exit status, once the process has ended.
  std::optional<ExitStatus> exit_status() const;
  // Blocks the calling (host) thread until the process ended or `timeout`.
  // Never call it from a worker: guests wait by parking (process_wait).
  std::optional<ExitStatus> WaitExited(std::chrono::nanoseconds timeout) const;

  // The running process, or null once it ended.
  std::shared_ptr<Process> process() const { return process_.lock(); }

  // Kernel side, called once by the process when it ends.
  void SetExited(ExitStatus status);
  void Attach(std::weak_ptr<Process> process) { process_ = std::move(process); }
  // Kernel side, once, when the process moved to another node: from now on
  // it stands for `moved_to` (a proxy of the process there). Null: the new
  // node gave no handle back; it reports as killed, "moved to another node".
  void Forward(Ref<ProcessOps> moved_to);

 private:
  ProcessObject(uint64_t pid, std::vector<std::string> args)
      : ProcessOps(ObjectType::kProcess), pid_(pid), args_(std::move(args)) {}
  const uint64_t pid_;
  const std::vector<std::string> args_;
  std::weak_ptr<Process> process_;  // Set before the process is submitted.
  mutable Mutex mu_;
  mutable CondVar exited_cv_;
  std::optional<ExitStatus> status_ GUARDED_BY(mu_);
  Ref<ProcessOps> moved_to_ GUARDED_BY(mu_);
  // The forwarded process, or null.
  Ref<ProcessOps> moved_to() const;
};

}  // namespace shoal::kernel
