// WasiProcess: the WASI preview1 view of one process: its arguments,
// environment, descriptor table and parking state, and the host functions
// that serve its imports from "wasi_snapshot_preview1".
//
// Ownership: the host functions a WasiProcess registers in a Store refer to
// it, so the WasiProcess must outlive every Run() of that Store's threads.
// Threading: used by the thread running the process, one call at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kernel/base/file_io.h"
#include "kernel/base/pending_call.h"
#include "kernel/base/result.h"
#include "kernel/object/console.h"
#include "kernel/object/handle_table.h"
#include "kernel/vm/module.h"
#include "kernel/vm/runtime.h"
#include "kernel/wasi/console_output.h"
#include "kernel/wasi/descriptor_table.h"
#include "kernel/wasi/fd_wait.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::wasi {

inline constexpr std::string_view kWasiModuleName = "wasi_snapshot_preview1";

// A directory made visible to the guest under `guest_path`: host directory
// `host_path`, or, when `directory` is set, that Directory object (local, or
// a proxy of another node's), with at most the entry's rights; `host_path`
// then only names it in messages.
struct Preopen {
  std::string host_path;
  std::string guest_path;
  kernel::HandleEntry directory;
};

// Everything a process starts with. A null stdin source means end of input.
// Output goes to the stream's Console and is copied to its sink, if any.
struct WasiConfig {
  std::vector<std::string> args;  // args[0] is the program name.
  std::vector<std::string> env;   // "KEY=VALUE" entries.
  std::vector<Preopen> preopens;  // Become descriptors 3, 4, ... in order.
  std::shared_ptr<InputSource> stdin_source;
  std::shared_ptr<OutputSink> stdout_sink;
  std::shared_ptr<OutputSink> stderr_sink;
  // The consoles descriptors 1 and 2 view; null: the WasiProcess makes two
  // over one new log.
  kernel::Ref<kernel::ConsoleOps> stdout_console;
  kernel::Ref<kernel::ConsoleOps> stderr_console;
  // The process's handle table, which every descriptor is a view of (the
  // kernel's Process owns it); null: the WasiProcess keeps its own (the
  // host-call tests). Must outlive the process.
  kernel::HandleTable* handles = nullptr;
  // The kernel's asynchronous file IO; null means synchronous host calls
  // (see host_file.h). Must outlive the process.
  FileIo* file_io = nullptr;
  // Incremented (relaxed) on every WASI host call when set; must outlive
  // the process. The kernel's host-call metric.
  std::atomic<uint64_t>* host_calls = nullptr;
  // The process's one PendingCall, shared with its other host calls (the
  // kernel's Process owns it); null: the WasiProcess keeps its own. Must
  // outlive the process.
  PendingCall* pending_call = nullptr;
  // False: descriptors 0-2 are made (stdio_object()) but not installed, and
  // no preopen is opened; a restored process's table is rebuilt from its
  // image instead (Kernel::Prepare).
  bool install_stdio = true;
};

// A poll_oneoff that is waiting for a clock. Times are host CLOCK_MONOTONIC
// nanoseconds. Kept so that the retried call (after the process was parked)
// measures relative timeouts from the first attempt, not from the retry. A
// process image carries it relative to the capture (PollImage), rebased
// onto the destination's clocks on restore.
struct PendingPoll {
  uint64_t start_ns = 0;     // Monotonic time of the first attempt.
  uint64_t realtime_ns = 0;  // Realtime clock at the first attempt.
  uint64_t wake_ns = 0;      // When to look again (the earliest clock), or
                             // UINT64_MAX: only when a descriptor is ready.
};

class WasiProcess {
 public:
  // Installs stdio as descriptors 0-2 and opens the preopened directories as
  // 3, 4, ..., each with its handle. Errors: kNotFound / kIoError (with the
  // host path) when a preopen cannot be opened as a directory, kInvalidArgs
  // for an empty guest path, kNoMemory when the handle table is full.
  static Result<std::unique_ptr<WasiProcess>> Create(WasiConfig config);

  // Registers, in `store`, one host function for each function `module`
  // imports from wasi_snapshot_preview1 (functions WASI defines but Shoal
  // does not implement return ENOSYS) and returns one Extern per import of
  // `module`, in order, for Instance::Instantiate(). Errors: kLinkError for
  // an import from another module, a non-function WASI import, or a known
  // WASI function imported with the wrong type.
  Result<std::vector<vm::Extern>> LinkImports(vm::Store& store, const vm::Module& module);
  // Links one import of `module` from wasi_snapshot_preview1, with the errors
  // of LinkImports; for linkers that also serve other import modules.
  Result<vm::Extern> LinkImport(vm::Store& store, const vm::Module& module,
                                const vm::Import& import);

  const std::vector<std::string>& args() const { return config_.args; }
  const std::vector<std::string>& env() const { return config_.env; }
  DescriptorTable& fds() { return fds_; }
  // The stdin (0), stdout (1) and stderr (2) streams made at Create(),
  // whether or not they are still installed as descriptors.
  const std::shared_ptr<FileObject>& stdio_object(uint32_t fd) const { return stdio_[fd]; }
  // Where the runner reports traps; never null.
  OutputSink& stderr_sink() { return *stderr_sink_; }

  // Parking state, read by the runner after RunStatus::kYielded.
  std::optional<PendingPoll>& pending_poll() { return pending_poll_; }
  // A host descriptor a parked read or write waits on (fd -1: none). The
  // runner takes it (one wait per park).
  FdWait take_fd_wait() { return std::exchange(fd_wait_, FdWait{}); }
  void set_fd_wait(FdWait wait) { fd_wait_ = wait; }
  // Where the operations that may complete later run (pending_call.h): a
  // call that finds its operation in flight parks on its TakeWait().
  PendingCall& pending_call() { return *pending_call_; }
  // The operation in flight a parked call waits for, or null. The runner
  // takes it (one wait per park).
  std::shared_ptr<IoWait> take_io_wait() { return std::move(io_wait_); }
  void set_io_wait(std::shared_ptr<IoWait> wait) { io_wait_ = std::move(wait); }
  // Set while sched_yield has parked the process, so its retry returns.
  bool yield_pending() const { return yield_pending_; }
  void set_yield_pending(bool pending) { yield_pending_ = pending; }

 private:
  explicit WasiProcess(WasiConfig config);
  WasiConfig config_;
  std::unique_ptr<kernel::HandleTable> own_handles_;  // When config_.handles is null.
  std::unique_ptr<PendingCall> own_pending_call_;     // When config_.pending_call is null.
  PendingCall* pending_call_;                         // Never null.
  DescriptorTable fds_;
  std::shared_ptr<ConsoleOutput> stderr_sink_;
  std::shared_ptr<FileObject> stdio_[3];
  std::optional<PendingPoll> pending_poll_;
  FdWait fd_wait_;
  std::shared_ptr<IoWait> io_wait_;
  bool yield_pending_ = false;
};


}  // namespace shoal::wasi
