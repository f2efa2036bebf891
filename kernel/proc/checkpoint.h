// Checkpoint and restore at the kernel's level: a running process frozen
// at a safepoint into a ProcessImage (Kernel::Freeze), and a process built
// from an image (Kernel::Prepare, then Kernel::Start).
//
// The two halves of a migration meet here: the source freezes the process,
// the destination prepares it (everything checked, nothing running), the
// source releases its copy (Release: it ends here and its ProcessObject
// forwards to the new one) and the destination starts its copy. Until
// Release the source may Thaw instead, and the process runs on as if
// nothing happened. Exactly one copy ever runs: a prepared process does not
// run until Start, a frozen one does not run until Thaw.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "kernel/base/clock.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/namespace.h"
#include "kernel/object/process_ops.h"
#include "kernel/proc/process_image.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::kernel {

class Process;

// What Kernel::Freeze captures of a process's linear memories.
enum class FreezeMemory {
  kWhole,  // Their whole contents, in image.instance.
  kNone,   // Nothing (a probe: can it move at all?).
  // The size and the pages written since the last MemoryRounds::Take, in
  // image.memories_ahead: the end of a pre-copy. Needs MemoryRounds running.
  kDelta,
  // Only their sizes, in image.memories_ahead (no pages): a post-copy, whose
  // pages the destination fetches after it resumed the process; the source
  // takes the memories out of the frozen process (FrozenProcess::TakeMemories).
  kLazy,
};

struct FreezeOptions {
  // How long to wait for a safepoint (a process in a long host call).
  std::chrono::nanoseconds timeout = std::chrono::seconds(10);
  FreezeMemory memory = FreezeMemory::kWhole;
};

// The source half of a pre-copied migration (docs/migration.md,
// "Pre-copy"): a running process's memories read in rounds while it runs
// on, each round the 4 KiB pages written since the one before, until the
// rest is small enough to send frozen (Kernel::Freeze, FreezeMemory::kDelta).
// Made by Kernel::StartMemoryRounds. One thread uses it at a time.
class MemoryRounds {
 public:
  ~MemoryRounds();  // Lifts any throttle.
  MemoryRounds(const MemoryRounds&) = delete;
  MemoryRounds& operator=(const MemoryRounds&) = delete;

  // Per memory (index order), the pages written since the previous Take,
  // every page the first time. Empty once the process has ended.
  std::vector<std::vector<uint32_t>> Take();
  // Calls `read(data, size_bytes)` on memory `index` with the memory kept
  // alive meanwhile; the process runs on and may write it (what it writes
  // comes again in the next Take). False: the process has ended.
  bool Read(size_t index, const std::function<void(const uint8_t*, uint64_t)>& read);
  // Lets the process run only `share` (in (0, 1]) of the time, so that a
  // process dirtying memory faster than the link carries it still
  // converges. Parked processes are not charged for their waits.
  void Throttle(double share);
  // The process's module, which a pre-copy sends ahead too, so that the
  // frozen image need carry only its hash.
  const std::shared_ptr<const std::vector<uint8_t>>& module() const;

  // The memories' state, shared with the process, which drops `store` when
  // it ends.
  struct Shared {
    explicit Shared(vm::Store* s) : store(s) {}
    Mutex mu;
    vm::Store* store GUARDED_BY(mu) = nullptr;
    std::vector<vm::MemAddr> memories;
  };

 private:
  friend class Kernel;
  MemoryRounds(std::shared_ptr<Process> process, std::shared_ptr<Shared> shared)
      : process_(std::move(process)), shared_(std::move(shared)) {}
  std::shared_ptr<Process> process_;
  std::shared_ptr<Shared> shared_;
};

// A process stopped by Kernel::Freeze, with its image. Destroying it without
// Release() thaws the process.
class FrozenProcess {
 public:
  FrozenProcess(std::shared_ptr<Process> process, ProcessImage image);
  ~FrozenProcess();
  FrozenProcess(const FrozenProcess&) = delete;
  FrozenProcess& operator=(const FrozenProcess&) = delete;

  ProcessImage& image() { return image_; }
  uint64_t pid() const { return image_.pid; }
  // When it stopped (MonotonicNow): its last instruction ran before this.
  MonotonicNs stopped_ns() const { return stopped_ns_; }

  // Takes its linear memories out (a post-copy's source serves their pages
  // from them), leaving it empty ones: call only once it will never run
  // here again, right before Release(). kNoMemory when no address space is
  // left for the empty ones (then it keeps them all).
  Result<std::vector<std::unique_ptr<vm::Memory>>> TakeMemories();
  // Lets it run on, here.
  void Thaw();
  // Ends it here: it runs at `moved_to` now (a proxy of the restored
  // process), which its ProcessObject forwards to.
  void Release(Ref<ProcessOps> moved_to);

 private:
  friend class Kernel;
  std::shared_ptr<Process> process_;  // Null once thawed or released.
  ProcessImage image_;
  MonotonicNs stopped_ns_ = 0;
};

// What a restored process gets besides its image: as SpawnRequest.
struct RestoreRequest {
  // Its kObject handles must hold their objects (received over the wire),
  // each of the handle's type.
  ProcessImage image;
  uint64_t pid = 0;                                 // 0: the image's pid.
  std::shared_ptr<wasi::InputSource> stdin_source;  // Null: end of input.
  std::shared_ptr<wasi::OutputSink> stdout_mirror;
  std::shared_ptr<wasi::OutputSink> stderr_mirror;
  std::shared_ptr<Namespace> ns;  // Null: a copy of the node's root namespace.
  // With image.memories_ahead: the memories the pre-copy rounds filled, one
  // per memory, which the process takes over after its delta is laid on.
  std::vector<std::unique_ptr<vm::Memory>> memories_ahead;
};

// A process built from an image, checked and holding its pid, not yet
// running. Destroying it without Kernel::Start drops it and frees the pid.
class PreparedProcess {
 public:
  ~PreparedProcess();
  PreparedProcess(const PreparedProcess&) = delete;
  PreparedProcess& operator=(const PreparedProcess&) = delete;
  uint64_t pid() const;

 private:
  friend class Kernel;
  explicit PreparedProcess(std::shared_ptr<Process> process) : process_(std::move(process)) {}
  std::shared_ptr<Process> process_;
};

}  // namespace shoal::kernel
