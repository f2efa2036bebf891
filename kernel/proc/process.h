// Process: one Wasm program running as a kernel task.
//
// A Process owns one VM Store, Instance and Thread, its HandleTable, two
// Console objects (stdout, stderr) and its WASI view (WasiProcess), whose
// descriptors are views of handles in that table (descriptors 1 and 2 view
// the consoles). The scheduler runs it one fuel quantum at a time through
// Step().
//
// Parking: a host call that must wait returns HostAction::kYield after
// recording what it waits for; Step() then arranges the wake-up and returns
// kParked, and the next Step() retries the call:
//   WASI poll_oneoff             -> a ReactorTimerService timer for the
//                                   earliest clock and/or a Reactor Poll of
//                                   the first descriptor not ready;
//   WASI read / write of a FIFO, -> a Reactor Poll for POLLIN / POLLOUT
//     device or stdin pipe          (wasi::FdWait);
//   a WASI or shoal call whose   -> the operation's IoWait, from the
//     kernel object answers later  process's PendingCall (a file read on
//     (file IO, stat, path_open,      the reactor, an operation on a remote
//     device_read, namespace_open)    object; kernel/base/pending_call.h);
//   a shoal wait on an object    -> the object's ObserveAsync (plus a timer
//                                   if the wait has a deadline);
//   WASI sched_yield             -> kPreempted (runnable again at once).
// Every wake-up callback holds only a weak reference to the Process.
//
// Ending: Step() returns kDone when the thread returns, exits or traps, or its
// fuel limit runs out; Kill (Scheduler::RequestKill) always wins at the next
// Step boundary. OnFinished() cancels pending wake-ups, closes every handle
// (peers see kPeerClosed), closes the consoles, releases the VM state, and
// publishes the exit status on the ProcessObject (kSignaled).
//
// Freezing (Kernel::Freeze): a freeze request is seen at the next Step,
// which is a safepoint. A host call's operation still in flight (its
// PendingCall is live) is first let complete and collected, one fuel unit at
// a time, so an image never holds half an operation and a retried write is
// never done twice. The Step then captures the image, hands it to the
// requester and parks with no wake-up registered: the process stays frozen
// until Thaw() (it runs on, having noticed nothing) or Release() (it ends
// here, because it now runs elsewhere: its ProcessObject forwards to the new
// one). A kill still ends a frozen process.
//
// Start functions: a module's start function is the thread's first call and
// runs in Step() with fuel like everything else (Spawn defers it); when it
// returns, Step() calls the `_start` export. A start function that loops
// forever is preempted and killable; one that traps ends the process
// (kTrapped), after Spawn() returned.
//
// Threading: Step() and OnFinished() run on one worker at a time. Terminate
// and the wake-up callbacks may run on any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "kernel/base/pending_call.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/console.h"
#include "kernel/object/handle_table.h"
#include "kernel/object/namespace.h"
#include "kernel/object/port.h"
#include "kernel/proc/checkpoint.h"
#include "kernel/proc/moved_by_value.h"
#include "kernel/proc/process_image.h"
#include "kernel/proc/process_object.h"
#include "kernel/sched/reactor.h"
#include "kernel/sched/task.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/thread.h"
#include "kernel/wasi/wasi_process.h"

namespace shoal::kernel {

class Kernel;

// The first word of the user packet Terminate() queues on a terminate port.
inline constexpr uint64_t kTerminatePacketTag = 0x7465726d;  // "term"

// What a parked shoal host call waits for: any of `signals` on `object`, or
// `deadline` (MonotonicNs; 0 = none).
struct ObjectWait {
  Ref<KernelObject> object;
  Signals signals = Signals::kNone;
  MonotonicNs deadline = 0;
};

class Process final : public Task, public std::enable_shared_from_this<Process> {
 public:
  ~Process() override;

  StepOutcome Step(uint64_t fuel_quantum) override;
  void OnFinished(FinishReason reason) override;

  uint64_t pid() const { return pid_; }
  uint64_t parent_pid() const { return parent_pid_; }
  // The size of its linear memories after its latest step (0 before the
  // first); any thread.
  uint64_t memory_bytes() const { return memory_bytes_.load(std::memory_order_relaxed); }
  // Its fuel and CPU used so far (across moves) and memory_bytes() into
  // `info`; any thread.
  void ReadUsage(ProcessInfo& info) const;
  Kernel& kernel() { return kernel_; }
  HandleTable& handles() { return handles_; }
  // The paths this process can open (namespace_open); its own copy.
  Namespace& ns() { return *ns_; }
  const Ref<ProcessObject>& object() const { return object_; }
  // The log its stdout and stderr write to (shared with the children that
  // inherit it).
  const std::shared_ptr<ConsoleLog>& console_log() const { return stdout_->log(); }
  wasi::WasiProcess& wasi() { return *wasi_; }
  // What a child spawned by this process inherits for its output.
  const std::shared_ptr<wasi::OutputSink>& stdout_mirror() const { return stdout_mirror_; }
  const std::shared_ptr<wasi::OutputSink>& stderr_mirror() const { return stderr_mirror_; }

  // Startup handle `index` (the handles given at spawn, in order), or
  // kInvalidHandle.
  HandleValue startup_handle(size_t index) const {
    return index < startup_handles_.size() ? startup_handles_[index] : kInvalidHandle;
  }

  // For host calls, on the process's own worker: park until `wait` is met.
  // The call then returns HostAction::kYield and is retried after the wake.
  void SetObjectWait(ObjectWait wait) { object_wait_ = std::move(wait); }
  // Where every host call of this process (WASI and shoal alike) runs an
  // operation that may complete later; one call at a time, on its worker.
  PendingCall& pending_call() { return pending_call_; }
  // For host calls, on the process's own worker: park until the operation
  // `wait` stands for completes (PendingCall::TakeWait()); as SetObjectWait.
  void SetPendingWait(std::shared_ptr<IoWait> wait) { pending_wait_ = std::move(wait); }

  // One Kernel::Freeze in progress: filled by the process's Step.
  struct FreezeRequest {
    Mutex mu;
    CondVar cv;
    bool done GUARDED_BY(mu) = false;
    bool cancelled GUARDED_BY(mu) = false;  // The requester gave up.
    std::optional<Result<ProcessImage>> image GUARDED_BY(mu);
    // When it stopped: its last instruction ran before this.
    MonotonicNs stopped_ns GUARDED_BY(mu) = 0;
    FreezeMemory memory = FreezeMemory::kWhole;  // Set before the request is made.
  };
  // Asks for a freeze at the next Step. Any thread; at most one at a time
  // (kAlreadyExists otherwise).
  VoidResult RequestFreeze(std::shared_ptr<FreezeRequest> request);
  // The requester gave up waiting for `request`.
  void CancelFreeze(const std::shared_ptr<FreezeRequest>& request);
  // Lets a frozen process run on (from any thread).
  void Thaw();
  // Ends a frozen process here because it runs elsewhere now: its handles
  // are dropped (objects exported to the new node live on there), its
  // consoles closed, and its ProcessObject forwards to `moved_to`.
  void Release(Ref<ProcessOps> moved_to);

  // When its first Step here began (MonotonicNow), 0 before: a migrated
  // process's first instruction on its new node. Any thread.
  MonotonicNs first_step_ns() const { return first_step_ns_.load(std::memory_order_acquire); }

  // Terminate: queues {kTerminatePacketTag} on the watched port, or kills.
  void Terminate();
  // Where Terminate() sends its packet (process_watch_terminate).
  void WatchTerminate(Ref<PortOps> port, uint64_t key);

 private:
  friend class Kernel;
  friend class MemoryRounds;
  friend class FrozenProcess;
  Process(Kernel& kernel, uint64_t pid, uint64_t parent_pid);

  StepOutcome Park();
  // The image of this process, stopped at a safepoint (Step, frozen), or
  // why it cannot move.
  Result<ProcessImage> Capture(FreezeMemory memory);
  // Image.memories_ahead: per memory, its size and the pages written since
  // the pre-copy's last round.
  Result<std::vector<MemoryDelta>> CaptureMemoryDeltas();
  // WatchTerminate's port by its handle among `records`; kNotSupported when
  // none names it.
  Result<std::optional<TerminateWatchImage>> CaptureTerminateWatch(
      std::span<const HandleRecord> records);
  // After a quantum that ran `ran_ns` while throttled to `share_permille`:
  // parks for as long as keeps it to that share of the time.
  StepOutcome Throttled(uint64_t ran_ns, uint32_t share_permille);
  // A Step while a freeze is asked for or in force; nullopt: run normally.
  std::optional<StepOutcome> StepFrozen(uint64_t& quantum);
  // Lets its effects out once effects_after_ is done; parks it on it when
  // it has nothing left to do but them (nullopt: run on).
  std::optional<StepOutcome> StepHeld();
  // Parks it until effects_after_ is done.
  StepOutcome ParkHeld();
  // How the thread's run ended, as its exit (or kPreempted for a start
  // function that returned into `_start`).
  StepOutcome Ended(vm::RunStatus status);
  // Registers a reactor poll that wakes the process; false if it failed.
  bool PollFd(const wasi::FdWait& wait);
  StepOutcome Finish(ExitStatus status);
  void CancelWakeups();
  // A callback that wakes this process if it still exists.
  std::function<void()> Waker();

  Kernel& kernel_;
  const uint64_t pid_;
  const uint64_t parent_pid_;
  Ref<ProcessObject> object_;
  HandleTable handles_;
  std::shared_ptr<Namespace> ns_;  // Never null once spawned.
  std::vector<HandleValue> startup_handles_;
  Ref<Console> stdout_;
  Ref<Console> stderr_;
  std::shared_ptr<wasi::OutputSink> stdout_mirror_;
  std::shared_ptr<wasi::OutputSink> stderr_mirror_;
  uint64_t fuel_limit_ = UINT64_MAX;
  uint32_t page_cap_ = 0;  // Of each linear memory, in Wasm pages.
  std::atomic<uint64_t> memory_bytes_{0};  // Published by Step for memory_bytes().
  std::shared_ptr<const std::vector<uint8_t>> module_bytes_;  // For its image.

  // The operation a host call left in flight, if any. Before wasi_, which
  // refers to it, so it is destroyed after it.
  PendingCall pending_call_;

  // VM state; released at the end. Declaration order = destruction order
  // reversed: the thread goes before the store, the store before WASI.
  std::unique_ptr<wasi::WasiProcess> wasi_;
  std::unique_ptr<vm::Store> store_;
  vm::Instance* instance_ = nullptr;  // Owned by store_.
  std::unique_ptr<vm::Thread> thread_;
  // The `_start` export while the module's start function still runs.
  std::optional<vm::FuncAddr> entry_after_start_;

  // Pending wake-ups, touched by Step/OnFinished only (one worker at a time).
  ObjectWait object_wait_;
  std::shared_ptr<IoWait> pending_wait_;
  ObserverToken observer_ = 0;
  Ref<KernelObject> observed_;
  TimerService::TimerId timer_ = 0;
  Reactor::OpId poll_op_ = 0;

  std::optional<ExitStatus> exit_;  // Set by Finish() before kDone.

  // Kernel::Start's `effects_after`, until done: meanwhile its host calls
  // are held (vm::Thread::HoldHostCalls), and so are its end, which its
  // waiters would see (held_end_), and any freeze. Worker only.
  std::shared_ptr<IoWait> effects_after_;
  std::optional<vm::RunStatus> held_end_;  // Its thread's end.
  std::optional<ExitStatus> held_exit_;    // Finish's.
  // A restored process's port watches, made at its first step with its
  // effects out (before any freeze, which captures them). Worker only.
  std::vector<PortWatchAgain> watches_again_;
  std::atomic<MonotonicNs> first_step_ns_{0};

  // What a restored process had used before it came here.
  uint64_t fuel_base_ = 0;
  uint64_t cpu_base_ns_ = 0;

  Mutex freeze_mu_;
  std::shared_ptr<FreezeRequest> freeze_ GUARDED_BY(freeze_mu_);
  bool thaw_ GUARDED_BY(freeze_mu_) = false;
  Ref<ProcessOps> moved_to_ GUARDED_BY(freeze_mu_);  // Set by Release().
  std::atomic<bool> freeze_asked_{false};            // Any of the three above is set.
  bool frozen_ GUARDED_BY(freeze_mu_) = false;
  // A pre-copy's view of the memories, dropped with them at the end.
  std::shared_ptr<MemoryRounds::Shared> rounds_ GUARDED_BY(freeze_mu_);
  // Set by Kernel::Abort: a kill then ends it as trapped with this message.
  std::optional<std::string> abort_message_ GUARDED_BY(freeze_mu_);
  // The share of time it may run, in 1/1000 (MemoryRounds::Throttle).
  std::atomic<uint32_t> run_share_permille_{1000};

  Mutex terminate_mu_;
  std::weak_ptr<PortOps> terminate_port_ GUARDED_BY(terminate_mu_);
  uint64_t terminate_key_ GUARDED_BY(terminate_mu_) = 0;
};

}  // namespace shoal::kernel
