#include "kernel/proc/process_object.h"

#include "kernel/proc/kernel.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {

Ref<ProcessObject> ProcessObject::Create(uint64_t pid) {
  return Ref<ProcessObject>(new ProcessObject(pid));
}

std::optional<ExitStatus> ProcessObject::exit_status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::optional<ExitStatus> ProcessObject::WaitExited(std::chrono::nanoseconds timeout) const {
  std::unique_lock lock(mu_);
  exited_cv_.wait_for(lock, timeout, [this] { return status_.has_value(); });
  return status_;
}

void ProcessObject::SetExited(ExitStatus status) {
  {
    std::lock_guard lock(mu_);
    if (status_) return;
    status_ = std::move(status);
  }
  {
    Notifications fired;
    UpdateSignals(Signals::kNone, Signals::kSignaled, fired);
  }
  // Waiters wake after the signal is set, so they see both.
  exited_cv_.notify_all();
}

Result<ProcessInfo> ProcessObject::Info() { return ProcessInfo{pid_, exit_status()}; }

VoidResult ProcessObject::Terminate() {
  if (std::shared_ptr<Process> running = process()) running->Terminate();
  return Ok();
}

VoidResult ProcessObject::Kill() {
  if (std::shared_ptr<Process> running = process()) {
    running->kernel().scheduler().RequestKill(*running);
  }
  return Ok();
}

}  // namespace shoal::kernel
