// Kernel: one node's kernel, gluing the VM, the kernel objects and the
// scheduler into processes.
//
// A Kernel owns a Scheduler (worker threads), a Reactor (io_uring), a
// ReactorTimerService on it, a cache of compiled modules and the process
// table. There is no global kernel: tests create several in one process.
//
// Spawn() loads, links and instantiates a module and submits it as a Process.
// Pids come from the caller (SpawnRequest.pid), else from
// KernelOptions.allocate_pid (shoald backs it with its cluster-wide
// allocator, so children a guest spawns get cluster-wide pids too), else from
// a counter of this Kernel; allocated pids are never reused. A pid is a name,
// never an authority: guests act on processes only through process handles
// (ProcessObject).
//
// Threading: every method is thread-safe. Wait() blocks the calling thread and
// must not be called from a worker (guests park in process_wait instead).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernel/base/pending_call.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/console_log.h"
#include "kernel/object/handle_table.h"
#include "kernel/object/namespace.h"
#include "kernel/proc/checkpoint.h"
#include "kernel/proc/process_object.h"
#include "kernel/sched/reactor.h"
#include "kernel/sched/reactor_file_io.h"
#include "kernel/sched/reactor_timer_service.h"
#include "kernel/sched/scheduler.h"
#include "kernel/wasi/wasi_process.h"

namespace shoal::vm {
class CompiledModule;
}

namespace shoal::kernel {

class Process;

// What a successful Spawn() tells KernelOptions.on_spawn.
struct SpawnNotice {
  uint64_t pid = 0;
  uint64_t parent_pid = 0;        // 0: spawned by the host, not by a guest.
  std::vector<std::string> args;  // args[0] is the program name.
  Ref<ProcessObject> object;      // Signals kSignaled once the process ended.
  std::shared_ptr<ConsoleLog> console;  // Its output (its parent's, for a guest's child).
};

// Links a process's imports to the host functions serving them, returning
// the externs for vm::Instance::Instantiate() in import order. Shoal's is
// abi::LinkProcessImports (kernel/abi/link.h: WASI and the `shoal` ABI). The
// ABI acts on processes, so it is built above this library and handed in.
using ImportLinker = Result<std::vector<vm::Extern>> (*)(vm::Store& store, const vm::Module& module,
                                                         Process& process);

struct KernelOptions {
  ImportLinker link_imports = nullptr;  // Required.
  unsigned workers = 0;                 // 0: one per core.
  uint64_t fuel_quantum = 10'000;     // Fuel per scheduling step.
  uint32_t default_page_cap = 16384;  // 1 GiB of linear memory per process.
  // Bytes each new console log keeps (a process's output, console_log.h).
  size_t console_retention = ConsoleLog::kDefaultRetention;
  // File reads the page cache can serve complete on the worker, straight
  // into guest memory (preadv2 RWF_NOWAIT never waits for a device); the
  // rest go to the io_uring reactor. False: every read goes to the reactor.
  bool cached_reads = true;
  // Pids for requests without one; null: a counter from 1. Called without
  // kernel locks held; an error fails the Spawn.
  std::function<Result<uint64_t>()> allocate_pid;
  // Called after every successful Spawn (the host's and guests'), on the
  // spawning thread (a worker for guest spawns: it must not block), without
  // kernel locks held. The process may have ended already.
  std::function<void(const SpawnNotice&)> on_spawn;
};

// Whether the process table keeps the exit status after the process ended.
enum class Reaping : uint8_t {
  kOnWait,      // Kept until Kernel::Wait() returns it (native spawners).
  kWithHandle,  // Not kept: whoever holds the ProcessObject sees it (guest spawns).
};

struct SpawnRequest {
  // 0: allocate one. Else this pid (kAlreadyExists if a live or unreaped
  // process has it); a caller choosing pids should choose them all, as the
  // kernel's own counter does not skip the ones it chose.
  uint64_t pid = 0;
  std::vector<uint8_t> module_bytes;  // Or empty, and `module_path` is read.
  std::string module_path;
  std::vector<std::string> args;  // args[0] is the program name.
  std::vector<std::string> env;   // "KEY=VALUE".
  std::vector<wasi::Preopen> preopens;
  // Handles the process starts with, in order: startup handle i is
  // shoal_startup_handle(i) in the guest.
  std::vector<HandleEntry> handles;
  std::shared_ptr<wasi::InputSource> stdin_source;  // Null: end of input.
  // The log its stdout and stderr write to; null: a new one. A child given
  // its parent's shares it, as a terminal is shared (the log ends when both
  // have exited).
  std::shared_ptr<ConsoleLog> console;
  // Copies of stdout / stderr besides the console log; may be null.
  std::shared_ptr<wasi::OutputSink> stdout_mirror;
  std::shared_ptr<wasi::OutputSink> stderr_mirror;
  uint64_t fuel_limit = UINT64_MAX;  // Total fuel; kOutOfFuel past it.
  uint32_t page_cap = 0;             // Linear-memory pages; 0: the kernel default.
                                     // At most vm::kMaxPages (4 GiB): MemoryCapPages.
  uint64_t parent_pid = 0;
  Reaping reaping = Reaping::kOnWait;
  // The process's namespace, its own from now on. Null: a copy of the node's
  // root namespace (Kernel::root_namespace()). A spawner narrows a child's
  // view by passing a Clone() with bindings removed.
  std::shared_ptr<Namespace> ns;
};

// The page cap for a cap of `bytes` of linear memory, rounded up to whole
// 64 KiB pages (0 stays 0: the kernel's default). kInvalidArgs over wasm32's
// 4 GiB, saying so.
Result<uint32_t> MemoryCapPages(uint64_t bytes);

struct SpawnResult {
  uint64_t pid = 0;
  Ref<ProcessObject> object;
  // The process's output, readable after it ended (it may end before Spawn
  // returns).
  std::shared_ptr<ConsoleLog> console;
};

class Kernel {
 public:
  // Starts the reactor and the workers. Errors: the reactor's (io_uring).
  static Result<std::unique_ptr<Kernel>> Create(KernelOptions options);
  // Stops the workers, kills what is left (it is dropped, not finished) and
  // shuts the reactor down.
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Errors (nothing runs): kAlreadyExists (request.pid is taken), an error
  // of allocate_pid, kNotFound / kIoError reading the module or opening
  // a preopen, kMalformed / kInvalid, kLinkError, kNoMemory (initial memory
  // over the page cap), kTrap (an active segment out of bounds), kNotFound
  // (no `_start` export). The module's start function runs later, in the
  // process (a trap there ends the process, kTrapped).
  Result<SpawnResult> Spawn(SpawnRequest request);
  // Compiles a module into the cache where Spawn and Prepare look first: a
  // migration's destination calls it while the process still runs on its
  // source, so that the freeze does not compile. Any thread. Errors: the
  // module's (kMalformed, kInvalid, ...), which Prepare would answer too.
  VoidResult Compile(const std::vector<uint8_t>& module_bytes);

  // Freezes `pid` at its next safepoint and captures its image (checkpoint.h),
  // blocking the calling thread (never a worker) until then. Errors (the
  // process runs on): kNotFound, kAlreadyExists (a freeze or move is under
  // way), kShouldWait (no safepoint within the timeout), kNotSupported (it
  // holds what cannot move yet; the message says what), kInvalidArgs
  // (FreezeMemory::kDelta without MemoryRounds).
  Result<std::unique_ptr<FrozenProcess>> Freeze(uint64_t pid, FreezeOptions options = {});
  // Starts reading `pid`'s memories in rounds for a pre-copy. It first
  // freezes the process for a moment (FreezeMemory::kNone), so that what
  // cannot move is refused before anything is sent (Freeze's errors), and
  // starts tracking written pages at that safepoint.
  Result<std::unique_ptr<MemoryRounds>> StartMemoryRounds(
      uint64_t pid, std::chrono::nanoseconds timeout = std::chrono::seconds(10));
  // Builds the process `request.image` describes and checks it against its
  // module, without running it; it holds its pid from now on. Errors:
  // kAlreadyExists (the pid is taken), kInvalidArgs (the image does not fit
  // its module or names objects it lacks), the errors of Spawn.
  Result<std::unique_ptr<PreparedProcess>> Prepare(RestoreRequest request);
  // Runs a prepared process. With `effects_after`, it runs at once but
  // nothing it does leaves it until that completes: its host calls (its
  // output, its messages, its files), its end and a freeze of it wait. So
  // a migrated process computes while its arrival is made durable, and a
  // crash meanwhile takes it away without a trace (docs/migration.md,
  // "Effects held until the arrival is durable"). Kill it if that never
  // completes.
  Result<SpawnResult> Start(std::unique_ptr<PreparedProcess> prepared,
                            Reaping reaping = Reaping::kOnWait,
                            std::shared_ptr<IoWait> effects_after = nullptr);

  // Blocks until process `pid` ended (or `timeout`), then forgets it (a
  // kOnWait process). kNotFound for an unknown or already reaped pid,
  // kShouldWait on timeout.
  Result<ExitStatus> Wait(uint64_t pid,
                          std::chrono::nanoseconds timeout = std::chrono::hours(24 * 365));
  // Asks `pid` to end: a packet on its terminate port if it watches one
  // (process_watch_terminate), else a kill. kNotFound if not running.
  VoidResult Terminate(uint64_t pid);
  // Ends `pid` at its next safepoint, whatever it does. kNotFound if not running.
  VoidResult Kill(uint64_t pid);
  // Kill, but it ends as trapped (kTrapped, kTrapExitCode) with `message`:
  // for a process that cannot go on through no fault of its own (a
  // post-copy whose pages were lost with their node).
  VoidResult Abort(uint64_t pid, std::string message);

  // The live process `pid`, or null.
  std::shared_ptr<Process> Find(uint64_t pid) const;
  size_t live_processes() const;
  // Host calls (WASI and shoal ABI) made by all processes so far.
  uint64_t host_calls() const { return host_calls_.load(std::memory_order_relaxed); }
  // Counted by the host-call trampolines; relaxed, so cheap on the hot path.
  std::atomic<uint64_t>& host_call_counter() { return host_calls_; }

  // The node's namespace: /dev/null, /dev/zero and /dev/random from the
  // start; `shoal mount` binds more. Processes get copies at spawn, so a
  // binding made here reaches processes spawned after it (namespace.h).
  Namespace& root_namespace() { return *root_namespace_; }

  Scheduler& scheduler() { return *scheduler_; }
  Reactor& reactor() { return *reactor_; }
  ReactorTimerService& timers() { return *timers_; }
  // File data IO on the reactor, for File objects and WASI file reads.
  ReactorFileIo& file_io() { return *file_io_; }
  const KernelOptions& options() const { return options_; }

  // Called by a Process when it ended: forgets it if the table still names
  // this very process (a moved one's pid may be back here already).
  void OnProcessExit(uint64_t pid, const Process* process);
  // Called by a Process released to another node: its pid is free here at
  // once (it may move back before this copy has finished ending), and
  // Wait() no longer knows it (its process object reports the end).
  void OnProcessMoved(uint64_t pid, const Process* process);

 private:
  friend class PreparedProcess;
  // What Spawn and Prepare share: a process with its consoles, WASI view,
  // store and instance, not yet registered. Its thread is made but idle.
  struct ProcessSetup {
    uint64_t pid = 0;
    uint64_t parent_pid = 0;
    std::shared_ptr<const std::vector<uint8_t>> module_bytes;
    wasi::WasiConfig wasi;  // Without the consoles, handles and kernel parts: Build adds them.
    std::shared_ptr<wasi::OutputSink> stdout_mirror;
    std::shared_ptr<wasi::OutputSink> stderr_mirror;
    uint64_t fuel_limit = UINT64_MAX;
    uint32_t page_cap = 0;
    std::shared_ptr<Namespace> ns;
    std::shared_ptr<ConsoleLog> console;  // Null: a new one.
  };
  Result<std::shared_ptr<Process>> Build(ProcessSetup setup);
  // Registers and submits a built process; kAlreadyExists if its pid is taken.
  VoidResult Launch(const std::shared_ptr<Process>& process, Reaping reaping);
  bool PidTakenLocked(uint64_t pid) const REQUIRES(mu_);

  explicit Kernel(KernelOptions options) : options_(options) {}
  Result<std::shared_ptr<const vm::CompiledModule>> LoadCached(const std::vector<uint8_t>& bytes);

  KernelOptions options_;
  std::atomic<uint64_t> host_calls_{0};
  std::unique_ptr<Reactor> reactor_;
  std::unique_ptr<ReactorTimerService> timers_;
  std::unique_ptr<ReactorFileIo> file_io_;
  std::unique_ptr<Scheduler> scheduler_;
  std::shared_ptr<Namespace> root_namespace_;

  mutable Mutex mu_;
  uint64_t next_pid_ GUARDED_BY(mu_) = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Process>> live_ GUARDED_BY(mu_);
  std::unordered_map<uint64_t, Ref<ProcessObject>> unreaped_ GUARDED_BY(mu_);
  std::unordered_set<uint64_t> prepared_ GUARDED_BY(mu_);
  // Compiled modules by content; bounded (cleared past kModuleCacheSize).
  static constexpr size_t kModuleCacheSize = 64;
  std::unordered_map<std::string, std::shared_ptr<const vm::CompiledModule>> modules_
      GUARDED_BY(mu_);
};

}  // namespace shoal::kernel
