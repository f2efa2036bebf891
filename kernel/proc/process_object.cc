#include "kernel/proc/process_object.h"

#include "kernel/proc/kernel.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {

Ref<ProcessObject> ProcessObject::Create(uint64_t pid, std::vector<std::string> args) {
  return Ref<ProcessObject>(new ProcessObject(pid, std::move(args)));
}

std::optional<ExitStatus> ProcessObject::exit_status() const {
  MutexLock lock(&mu_);
  return status_;
}

std::optional<ExitStatus> ProcessObject::WaitExited(std::chrono::nanoseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (!status_.has_value()) {
    if (!exited_cv_.WaitUntil(mu_, deadline)) break;
  }
  return status_;
}

void ProcessObject::SetExited(ExitStatus status) {
  {
    MutexLock lock(&mu_);
    if (status_) return;
    status_ = std::move(status);
  }
  {
    Notifications fired;
    UpdateSignals(Signals::kNone, Signals::kSignaled, fired);
  }
  // Waiters wake after the signal is set, so they see both.
  exited_cv_.SignalAll();
}

Result<ProcessInfo> ProcessObject::Info() {
  ProcessInfo info;
  info.pid = pid_;
  info.args = args_;
  info.exit = exit_status();
  if (info.exit) {
    info.fuel_used = info.exit->fuel_used;
    info.cpu_ns = info.exit->cpu_ns;
  } else if (std::shared_ptr<Process> process = process_.lock()) {
    process->ReadUsage(info);
  }
  return info;
}

Ref<ProcessOps> ProcessObject::moved_to() const {
  MutexLock lock(&mu_);
  return moved_to_;
}

void ProcessObject::Forward(Ref<ProcessOps> moved_to) {
  if (moved_to == nullptr) {  // Its new node took it but gave no handle back.
    SetExited(
        {ExitReason::kKilled, kKilledExitCode, "moved to another node, which reports its end"});
    return;
  }
  {
    MutexLock lock(&mu_);
    moved_to_ = moved_to;
  }
  std::weak_ptr<KernelObject> weak = weak_from_this();
  auto adopt_exit = [weak, moved_to](Signals) {
    auto self = std::static_pointer_cast<ProcessObject>(weak.lock());
    if (!self) return;
    Result<ProcessInfo> info = moved_to->Info();
    if (info.ok() && info->exit) {
      self->SetExited(*info->exit);
    } else {
      self->SetExited({ExitReason::kKilled, kKilledExitCode,
                       "lost: the node it moved to can no longer be reached"});
    }
  };
  Result<ObserverToken> token =
      moved_to->ObserveAsync(Signals::kSignaled | Signals::kPeerClosed, adopt_exit);
  if (!token.ok()) adopt_exit(Signals::kPeerClosed);
}

VoidResult ProcessObject::Terminate() {
  if (Ref<ProcessOps> moved = moved_to()) return moved->Terminate();
  if (std::shared_ptr<Process> running = process()) running->Terminate();
  return Ok();
}

VoidResult ProcessObject::Kill() {
  if (Ref<ProcessOps> moved = moved_to()) return moved->Kill();
  if (std::shared_ptr<Process> running = process()) {
    running->kernel().scheduler().RequestKill(*running);
  }
  return Ok();
}

}  // namespace shoal::kernel
