// KernelProcessHost: the ProcessHost of shoald, on the node kernel
// (kernel::Kernel: the M:N scheduler, the io_uring reactor, processes that
// park instead of blocking). No thread exists per process: a process costs a
// scheduler Task while it runs and an Entry here once it ended.
//
// Console: each process's console log (kernel/object/console_log.h), the
// kernel's record of its output, is kept with its entry after the end for
// Logs; ReadConsole waits on the log, on the caller's (gRPC) thread.
//
// Ends: the host observes each ProcessObject's kSignaled asynchronously
// (KernelObject::ObserveAsync); the callback runs on the worker that ended the
// process and records the exit, closes the console and calls the Observer.
//
// Pids: the caller's (SpawnSpec.pid); processes a guest spawns get theirs
// from `allocate_pid` (shoald: its cluster-wide PidAllocator) and are listed
// here too, through KernelOptions.on_spawn. A guest-spawned child writes to
// its parent's console log (the ABI's inheritance), which both read.
//
// Checkpoints: an image file carries the process's console log's retained
// tail, so the restored process's log continues at the same offsets
// (`shoal logs` offsets stay valid).
//
// Migration: Depart() freezes a process and gives its image (live objects
// travel beside it as handle entries, exported by the data plane), then
// either Commit()s it away (the process ends here, its process object
// forwards to the destination's, its entry is dropped: the pid is the other
// node's now) or, destroyed without Commit, thaws it. Receive() builds an
// arriving process without running it; its Start() runs it as a process of
// this host, its log continuing where the source's stopped.
//
// Spawner: the node's power to start processes as a kernel object
// (kernel/object/spawner.h), which shoald binds at /nodes/NAME and serves to
// peers. What it starts is a process of this host like Spawn's (a pid of
// allocate_pid, its own console, listed by ps, read by logs), started with
// handles instead of preopens.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>

#include "clusterd/daemon/ahead_compiler.h"
#include "clusterd/daemon/module_store.h"
#include "clusterd/daemon/node_server.h"
#include "clusterd/process_host.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/spawner.h"
#include "kernel/proc/kernel.h"

namespace shoal::clusterd {

struct KernelProcessHostOptions {
  size_t console_retain_bytes = 1 << 20;  // Per console log (a process and its children).
  size_t max_ended_retained = 256;        // Ended processes kept for ps/logs/wait.
  unsigned workers = 0;                   // Kernel worker threads; 0: one per core.
  // Pids for processes guests spawn; null: the kernel's own counter from 1,
  // which knows nothing of the pids given to Spawn (tests without children).
  std::function<Result<uint64_t>()> allocate_pid;
};

// The kernel's scheduler counters, for metrics.
struct KernelLoad {
  unsigned workers = 0;
  uint64_t run_queue_length = 0;  // Runnable processes waiting for a worker.
  uint64_t busy_workers = 0;      // Workers inside a process's step.
  uint64_t host_calls = 0;        // Since start.
  size_t live_processes = 0;
};

class KernelProcessHost : public ProcessHost {
 public:
  // Starts the kernel. Errors: the kernel's (io_uring unavailable).
  static Result<std::unique_ptr<KernelProcessHost>> Create(KernelProcessHostOptions options = {});
  // Stops the kernel; processes still running end as kKilled (the Observer
  // sees them end).
  ~KernelProcessHost() override;

  VoidResult Spawn(SpawnSpec spec) override;
  std::vector<ProcessInfo> List() const override;
  std::vector<uint64_t> Pending() const override;
  std::optional<ProcessInfo> Get(uint64_t pid) const override;
  Result<bool> Kill(uint64_t pid) override;
  Result<ExitStatus> Wait(uint64_t pid, Deadline deadline) override;
  Result<ConsoleRead> ReadConsole(uint64_t pid, uint64_t offset, size_t max_bytes,
                                  Deadline deadline) override;
  Result<std::vector<uint8_t>> Checkpoint(uint64_t pid, bool stop) override;
  Result<uint64_t> Restore(std::span<const uint8_t> image, uint64_t pid) override;
  Result<uint64_t> ImagePid(std::span<const uint8_t> image) override;

  // A process leaving this node, frozen (see above).
  class Departure {
   public:
    virtual ~Departure() = default;
    // The image bytes (live objects allowed) and the objects of its live
    // handles, in handle order.
    virtual std::shared_ptr<const std::vector<uint8_t>> image() const = 0;
    virtual std::vector<kernel::HandleEntry> objects() const = 0;
    // Its memories' sizes, in bytes.
    virtual std::vector<uint64_t> memory_sizes() const = 0;
    // When it stopped (MonotonicNow): its last instruction here ran before.
    virtual MonotonicNs stopped_ns() const = 0;
    // A post-copy's: takes its memories out, once it runs at the
    // destination, right before Commit (kernel::FrozenProcess::TakeMemories).
    virtual Result<std::vector<std::unique_ptr<vm::Memory>>> TakeMemories() = 0;
    // It runs on `node` now, as `moved_to`.
    virtual void Commit(kernel::Ref<kernel::ProcessOps> moved_to, const std::string& node) = 0;
  };
  // Freezes it with its memories as `memory` says: whole, the delta that
  // ends a pre-copy (StartMemoryRounds), or only their sizes (a post-copy);
  // the last two carry only the module's hash (the module goes ahead).
  // `module_sha256`: the module's hash when the caller has it already, so
  // that the freeze does not spend time hashing it (null: hashed here).
  // Errors (it runs on): Checkpoint's.
  Result<std::unique_ptr<Departure>> Depart(
      uint64_t pid, kernel::FreezeMemory memory = kernel::FreezeMemory::kWhole,
      const kernel::Sha256* module_sha256 = nullptr);
  // Starts a pre-copy of `pid` (kernel::Kernel::StartMemoryRounds): what
  // cannot move is refused now. Errors: Checkpoint's.
  Result<std::unique_ptr<kernel::MemoryRounds>> StartMemoryRounds(uint64_t pid);
  // Builds a process from what arrived, as pid `pid` (0: the image's own),
  // not running; `migrated`: it moved here (its start is no event: the
  // source reports the move). Errors: Restore's, kInvalidArgs when the
  // objects or the module sent ahead do not match the image.
  Result<std::unique_ptr<IncomingProcess>> Receive(ArrivingProcess arriving, uint64_t pid,
                                                   bool migrated);
  void SetObserver(Observer observer) override { observer_ = std::move(observer); }

  // The host's spawner (see above); it fails with kPeerGone once the host
  // is gone, as handles to it may outlive the host.
  kernel::Ref<kernel::SpawnerOps> spawner() const;
  // The kernel's root namespace: what every process starts with a copy of.
  kernel::Namespace& root_namespace() { return kernel_->root_namespace(); }

  KernelLoad Load() const;
  // The kernel's file IO (on its reactor), for directories the node serves
  // to peers; valid while the host lives.
  FileIo& file_io() { return kernel_->file_io(); }
  // The modules this node has seen move, so that moves here skip them.
  ModuleStore& modules() { return modules_; }
  // Compiles `module` into the kernel's cache (kernel::Kernel::Compile) on
  // a thread of the host's, ahead of the Receive that will need it
  // (AheadCompiler::Add). Any thread.
  std::shared_future<void> CompileAhead(std::shared_ptr<const std::vector<uint8_t>> module);
  // What the post-copies arriving here tell of their processes: while one
  // fetches its memory it cannot move or be checkpointed (kShouldWait), and
  // one whose pages were lost ends as trapped (kernel::Kernel::Abort).
  PostCopyHooks post_copy_hooks();

 private:
  struct Entry;
  class HostSpawner;
  // Writes this host's record of the process into its image (moves, start
  // time), which travels with it.
  // kShouldWait while `pid`'s memory is still arriving (a post-copy).
  VoidResult CheckSettled(uint64_t pid) const;
  void StampImage(kernel::ProcessImage& image) const;
  class Arrival;
  class Leaving;
  explicit KernelProcessHost(KernelProcessHostOptions options) : options_(std::move(options)) {}
  std::shared_ptr<Entry> NewEntry(uint64_t pid, const std::vector<std::string>& args) const;
  // Records `entry` as started, tells the Observer (unless it arrived by
  // migration: the source reports the move) and watches for its end.
  void Track(std::shared_ptr<Entry> entry, kernel::Ref<kernel::ProcessObject> object,
             bool announce = true);
  void OnExited(const std::shared_ptr<Entry>& entry, const kernel::ExitStatus& status);
  void OnGuestSpawn(const kernel::SpawnNotice& notice);
  // Spawn(), with `handles` as the startup handles, answering the process
  // object. pid 0: one of allocate_pid (or the kernel's counter).
  Result<kernel::Ref<kernel::ProcessObject>> Start(SpawnSpec spec,
                                                   std::vector<kernel::HandleEntry> handles);
  // A snapshot of `entry`, with live CPU and fuel figures while it runs.
  ProcessInfo InfoLocked(const Entry& entry) const REQUIRES(mu_);
  // Drops the oldest ended entries beyond the retention bound.
  void ReapLocked() REQUIRES(mu_);

  const KernelProcessHostOptions options_;
  Observer observer_;
  mutable Mutex mu_;
  std::map<uint64_t, std::shared_ptr<Entry>> entries_ GUARDED_BY(mu_);
  std::set<uint64_t> spawning_ GUARDED_BY(mu_);  // Pids being spawned.
  std::set<uint64_t> fetching_ GUARDED_BY(mu_);  // Post-copies still arriving.
  CondVar ended_;                                // With mu_: some process ended.
  // Last: destroyed first, so its exit callbacks still find the members above.
  ModuleStore modules_;
  std::unique_ptr<kernel::Kernel> kernel_;
  // Cut off from the host in the destructor, before the kernel goes.
  std::shared_ptr<HostSpawner> spawner_;
  // Stopped in the destructor, before the kernel goes.
  std::unique_ptr<AheadCompiler> compiler_;
};

}  // namespace shoal::clusterd
