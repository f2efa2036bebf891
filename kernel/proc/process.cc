#include "kernel/proc/process.h"

#include <poll.h>

#include <string>
#include <utility>

#include "kernel/proc/kernel.h"

namespace shoal::kernel {

Process::Process(Kernel& kernel, uint64_t pid, uint64_t parent_pid)
    : kernel_(kernel), pid_(pid), parent_pid_(parent_pid) {}

Process::~Process() = default;

std::function<void()> Process::Waker() {
  std::weak_ptr<Process> weak = weak_from_this();
  Kernel* kernel = &kernel_;
  return [weak, kernel] {
    if (std::shared_ptr<Process> self = weak.lock()) kernel->scheduler().Wake(*self);
  };
}

void Process::CancelWakeups() {
  if (observer_ != 0 && observed_) observed_->CancelObserver(observer_);
  observer_ = 0;
  observed_.reset();
  if (timer_ != 0) kernel_.timers().Cancel(timer_);
  timer_ = 0;
  if (poll_op_ != 0) kernel_.reactor().Cancel(poll_op_);
  poll_op_ = 0;
}

StepOutcome Process::Step(uint64_t fuel_quantum) {
  CancelWakeups();  // Whatever woke us, the other wake-ups are stale now.
  object_wait_ = {};
  pending_wait_.reset();
  if (first_step_ns_.load(std::memory_order_relaxed) == 0) {
    first_step_ns_.store(MonotonicNow(), std::memory_order_release);
  }
  uint64_t quantum = fuel_quantum;
  if (effects_after_ != nullptr) {
    if (std::optional<StepOutcome> outcome = StepHeld()) return *outcome;
  }
  if (effects_after_ == nullptr && !watches_again_.empty()) {
    // Its ports watch again only now: a watch of a proxy fetches ahead.
    VoidResult made = MakeWatches(std::exchange(watches_again_, {}));
    if (!made.ok()) {
      return Finish({ExitReason::kTrapped, kTrapExitCode,
                     "its ports' watches could not be made again here: " + made.error().message});
    }
  }
  // A process whose effects are held is not frozen until they are out:
  // moving it on is one of them.
  if (effects_after_ == nullptr && freeze_asked_.load(std::memory_order_acquire)) {
    if (std::optional<StepOutcome> outcome = StepFrozen(quantum)) return *outcome;
  }
  uint64_t used_before = thread_->fuel_used();
  if (fuel_limit_ != UINT64_MAX) {
    if (used_before >= fuel_limit_) {
      return Finish(MakeExitStatus(ExitReason::kOutOfFuel, kOutOfFuelExitCode));
    }
    quantum = std::min(quantum, fuel_limit_ - used_before);
  }
  const uint32_t share = run_share_permille_.load(std::memory_order_relaxed);
  const MonotonicNs ran_from = share < 1000 ? MonotonicNow() : 0;
  vm::RunStatus status = thread_->Run(quantum);
  ChargeFuel(thread_->fuel_used() - used_before);
  uint64_t memory = 0;
  for (vm::MemAddr addr : instance_->memories()) memory += store_->memory(addr).size_bytes();
  memory_bytes_.store(memory, std::memory_order_relaxed);
  switch (status) {
    case vm::RunStatus::kOutOfFuel:
      if (share < 1000) return Throttled(MonotonicNow() - ran_from, share);
      return StepOutcome::kPreempted;
    case vm::RunStatus::kYielded:
      // A held host call is made again once its effects are let out.
      return thread_->host_calls_held() ? ParkHeld() : Park();
    case vm::RunStatus::kFinished:
    case vm::RunStatus::kExited:
    case vm::RunStatus::kTrapped:
      if (effects_after_ != nullptr &&
          !(status == vm::RunStatus::kFinished && entry_after_start_)) {
        held_end_ = status;  // Its trap line, too, waits.
        return ParkHeld();
      }
      return Ended(status);
  }
  return Finish({ExitReason::kTrapped, kTrapExitCode, "unknown run status"});
}

std::optional<StepOutcome> Process::StepHeld() {
  if (!effects_after_->done()) {
    if (!held_end_ && !held_exit_) return std::nullopt;  // It may compute on.
    return ParkHeld();
  }
  effects_after_.reset();
  thread_->HoldHostCalls(false);
  if (held_exit_) return Finish(*std::exchange(held_exit_, std::nullopt));
  if (held_end_) return Ended(*std::exchange(held_end_, std::nullopt));
  return std::nullopt;
}

StepOutcome Process::ParkHeld() {
  // Not through Park(): a poll or a yield restored from its image would
  // park it on something else, or not at all.
  effects_after_->OnDone(Waker());  // At once if they are out already.
  return StepOutcome::kParked;
}

StepOutcome Process::Ended(vm::RunStatus status) {
  switch (status) {
    case vm::RunStatus::kFinished:
      if (entry_after_start_) {  // The module's start function returned.
        vm::FuncAddr entry = *entry_after_start_;
        entry_after_start_.reset();
        if (VoidResult called = thread_->Call(entry, {}); !called.ok()) {
          return Finish({ExitReason::kTrapped, kTrapExitCode, called.error().message});
        }
        return StepOutcome::kPreempted;
      }
      return Finish(MakeExitStatus(ExitReason::kReturned, 0));
    case vm::RunStatus::kExited:
      return Finish(MakeExitStatus(ExitReason::kExited, thread_->exit_code()));
    case vm::RunStatus::kTrapped: {
      std::string line = "trap: " + thread_->trap_message() + "\n";
      (void)wasi_->stderr_sink().Write(
          {reinterpret_cast<const uint8_t*>(line.data()), line.size()});
      return Finish({ExitReason::kTrapped, kTrapExitCode, thread_->trap_message()});
    }
    case vm::RunStatus::kOutOfFuel:
    case vm::RunStatus::kYielded:
      break;
  }
  return Finish({ExitReason::kTrapped, kTrapExitCode, "unknown run status"});
}

std::optional<StepOutcome> Process::StepFrozen(uint64_t& quantum) {
  std::shared_ptr<FreezeRequest> request;
  {
    MutexLock lock(&freeze_mu_);
    if (moved_to_) return Finish(MakeExitStatus(ExitReason::kKilled, kKilledExitCode));
    if (thaw_) {
      thaw_ = false;
      frozen_ = false;
      freeze_asked_.store(freeze_ != nullptr, std::memory_order_release);
      return std::nullopt;
    }
    if (frozen_) return StepOutcome::kParked;  // A stray wake-up: stay frozen.
    request = freeze_;
  }
  if (!request) return std::nullopt;
  if (pending_call_.live()) {
    // Let the operation in flight complete and its call collect it first.
    quantum = 1;
    return std::nullopt;
  }
  const MonotonicNs stopped_ns = MonotonicNow();
  Result<ProcessImage> image = Capture(request->memory);
  bool captured = image.ok();
  {
    // Both locks: the requester, once answered, may thaw and freeze again
    // at once, and must find this freeze's state already settled.
    MutexLock lock(&freeze_mu_);
    {
      MutexLock answer(&request->mu);
      if (request->cancelled) captured = false;
      request->image = std::move(image);
      request->stopped_ns = stopped_ns;
      request->done = true;
    }
    if (freeze_ == request) freeze_.reset();
    if (captured) {
      frozen_ = true;
    } else {  // Refused, or the requester gave up: it runs on.
      freeze_asked_.store(thaw_ || freeze_ != nullptr, std::memory_order_release);
      thaw_ = false;
    }
  }
  request->cv.SignalAll();
  if (!captured) return std::nullopt;
  return StepOutcome::kParked;
}

VoidResult Process::RequestFreeze(std::shared_ptr<FreezeRequest> request) {
  {
    MutexLock lock(&freeze_mu_);
    if (freeze_ || (frozen_ && !thaw_) || moved_to_) {
      return MakeError(Status::kAlreadyExists, "process " + std::to_string(pid_) +
                                                   " is being checkpointed or moved already");
    }
    freeze_ = std::move(request);
    freeze_asked_.store(true, std::memory_order_release);
  }
  kernel_.scheduler().Wake(*this);
  return Ok();
}

void Process::CancelFreeze(const std::shared_ptr<FreezeRequest>& request) {
  MutexLock lock(&freeze_mu_);
  if (freeze_ == request) freeze_.reset();
}

void Process::Thaw() {
  {
    MutexLock lock(&freeze_mu_);
    thaw_ = true;
    freeze_asked_.store(true, std::memory_order_release);
  }
  kernel_.scheduler().Wake(*this);
}

void Process::Release(Ref<ProcessOps> moved_to) {
  {
    MutexLock lock(&freeze_mu_);
    moved_to_ = std::move(moved_to);
    freeze_asked_.store(true, std::memory_order_release);
  }
  kernel_.OnProcessMoved(pid_, this);
  kernel_.scheduler().Wake(*this);
}

StepOutcome Process::Park() {
  if (wasi_->yield_pending()) return StepOutcome::kPreempted;
  if (object_wait_.object) {
    ObjectWait wait = std::move(object_wait_);
    object_wait_ = {};
    if (wait.deadline != 0) timer_ = kernel_.timers().Schedule(wait.deadline, Waker());
    std::function<void()> wake = Waker();
    Result<ObserverToken> token =
        wait.object->ObserveAsync(wait.signals, [wake](Signals) { wake(); });
    if (!token.ok()) return StepOutcome::kPreempted;  // Retry: the call reports it.
    observer_ = *token;
    observed_ = std::move(wait.object);
    return StepOutcome::kParked;
  }
  wasi::FdWait fd_wait = wasi_->take_fd_wait();
  if (const std::optional<wasi::PendingPoll>& pending = wasi_->pending_poll()) {
    // poll_oneoff: the earliest clock, a descriptor, or both.
    if (pending->wake_ns != UINT64_MAX) {
      timer_ = kernel_.timers().Schedule(pending->wake_ns, Waker());
    }
    if (fd_wait.fd >= 0) (void)PollFd(fd_wait);
    // Nothing to wake it (no deadline, or the poll failed): retry at once.
    return timer_ != 0 || poll_op_ != 0 ? StepOutcome::kParked : StepOutcome::kPreempted;
  }
  std::shared_ptr<IoWait> io = std::move(pending_wait_);  // A shoal call's operation.
  if (!io) io = wasi_->take_io_wait();                    // A WASI call's.
  if (io) {
    io->OnDone(Waker());  // Runs at once if the operation is done already.
    return StepOutcome::kParked;
  }
  if (fd_wait.fd >= 0) {  // A FIFO or device not yet readable or writable.
    return PollFd(fd_wait) ? StepOutcome::kParked : StepOutcome::kPreempted;
  }
  return StepOutcome::kPreempted;  // An unknown yield: just retry.
}

bool Process::PollFd(const wasi::FdWait& wait) {
  std::function<void()> wake = Waker();
  Result<Reactor::OpId> op = kernel_.reactor().Poll(wait.fd, uint32_t(wait.events),
                                                    [wake](const IoCompletion&) { wake(); });
  if (!op.ok()) return false;
  poll_op_ = *op;
  return true;
}

StepOutcome Process::Throttled(uint64_t ran_ns, uint32_t share_permille) {
  const uint64_t share = std::max<uint32_t>(share_permille, 1);
  const uint64_t pause_ns = ran_ns * (1000 - share) / share;
  if (pause_ns == 0) return StepOutcome::kPreempted;
  timer_ = kernel_.timers().Schedule(MonotonicNow() + pause_ns, Waker());
  return StepOutcome::kParked;
}

StepOutcome Process::Finish(ExitStatus status) {
  if (effects_after_ != nullptr) {  // Its waiters would see its end.
    held_exit_ = std::move(status);
    return ParkHeld();
  }
  exit_ = std::move(status);
  return StepOutcome::kDone;
}

void Process::ReadUsage(ProcessInfo& info) const {
  TaskAccounting acct = accounting();
  info.fuel_used = fuel_base_ + acct.fuel_used;
  info.cpu_ns = cpu_base_ns_ + acct.cpu_ns;
  info.memory_bytes = memory_bytes();
}

void Process::OnFinished(FinishReason reason) {
  CancelWakeups();
  ExitStatus status = exit_.value_or(MakeExitStatus(ExitReason::kKilled, kKilledExitCode));
  if (reason == FinishReason::kKilled) {
    status = MakeExitStatus(ExitReason::kKilled, kKilledExitCode);
    MutexLock lock(&freeze_mu_);
    if (abort_message_) {
      status = MakeExitStatus(ExitReason::kTrapped, kTrapExitCode);
      status.trap_message = *abort_message_;
    }
  }
  ProcessInfo usage;
  ReadUsage(usage);
  status.fuel_used = usage.fuel_used;
  status.cpu_ns = usage.cpu_ns;
  Ref<ProcessOps> moved_to;
  std::shared_ptr<FreezeRequest> unanswered;
  {
    MutexLock lock(&freeze_mu_);
    moved_to = moved_to_;
    unanswered = std::move(freeze_);
  }
  if (unanswered) {  // It ended before it reached a safepoint.
    MutexLock lock(&unanswered->mu);
    unanswered->image = MakeError(
        Status::kNotFound, "process " + std::to_string(pid_) + " ended before it could be frozen");
    unanswered->done = true;
    unanswered->cv.SignalAll();
  }
  // Drop every handle, so channel peers see kPeerClosed.
  for (const HandleRecord& record : handles_.Snapshot()) (void)handles_.Close(record.value);
  pending_call_.Abandon();  // An operation in flight lets go of its objects when it ends.
  (void)stdout_->Close();
  (void)stderr_->Close();
  std::shared_ptr<MemoryRounds::Shared> rounds;
  {
    MutexLock lock(&freeze_mu_);
    rounds = std::move(rounds_);
  }
  if (rounds) {  // A pre-copy reading the memories stops here.
    MutexLock lock(&rounds->mu);
    rounds->store = nullptr;
  }
  thread_.reset();
  instance_ = nullptr;
  store_.reset();
  wasi_.reset();
  kernel_.OnProcessExit(pid_, this);  // First: whoever sees the exit finds it gone.
  if (moved_to) {
    object_->Forward(std::move(moved_to));  // It runs on elsewhere.
  } else {
    object_->SetExited(std::move(status));
  }
}

void Process::WatchTerminate(Ref<PortOps> port, uint64_t key) {
  MutexLock lock(&terminate_mu_);
  terminate_port_ = port;
  terminate_key_ = key;
}

void Process::Terminate() {
  Ref<PortOps> port;
  uint64_t key = 0;
  {
    MutexLock lock(&terminate_mu_);
    port = terminate_port_.lock();
    key = terminate_key_;
  }
  if (port) {
    Packet packet;
    packet.key = key;
    packet.type = PacketType::kUser;
    packet.user = {kTerminatePacketTag, 0, 0, 0};
    if (port->Queue(packet).ok()) return;
  }
  kernel_.scheduler().RequestKill(*this);
}

}  // namespace shoal::kernel
