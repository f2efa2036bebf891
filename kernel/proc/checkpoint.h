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

#include <memory>

#include "kernel/object/namespace.h"
#include "kernel/object/process_ops.h"
#include "kernel/proc/process_image.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::kernel {

class Process;

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

  // Lets it run on, here.
  void Thaw();
  // Ends it here: it runs at `moved_to` now (a proxy of the restored
  // process), which its ProcessObject forwards to.
  void Release(Ref<ProcessOps> moved_to);

 private:
  std::shared_ptr<Process> process_;  // Null once thawed or released.
  ProcessImage image_;
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
