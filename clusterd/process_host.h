// ProcessHost: what the daemon needs from the node kernel to run processes.
//
// The daemon (clusterd/daemon) owns cluster-wide process ids, the directory
// and the admin API; a ProcessHost owns the processes of this node.
// KernelProcessHost (clusterd/daemon/kernel_process_host.h) implements it on
// the node kernel (kernel/proc/kernel.h): processes run on the M:N
// scheduler's workers and park instead of blocking a thread.
//
// Threading: every method may be called from any thread, concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/console_log.h"
#include "kernel/object/process_ops.h"
#include "kernel/wasi/wasi_process.h"

namespace shoal::clusterd {

using Deadline = std::chrono::steady_clock::time_point;

// Everything a process starts with. The pid is allocated by the caller and
// is the process's id for life, across the cluster.
struct SpawnSpec {
  uint64_t pid = 0;
  std::vector<uint8_t> module_bytes;
  std::vector<std::string> args;  // argv, argv[0] included.
  std::vector<std::string> env;   // "KEY=VALUE".
  std::vector<wasi::Preopen> preopens;
  uint64_t fuel = 0;  // 0: unlimited.
  // Linear-memory cap in 64 KiB pages; 0: the kernel's default (1 GiB).
  uint32_t page_cap = 0;
};

// How a process ended: the kernel's words (kernel/object/process_ops.h);
// the admin API's ExitStatus is made from them at the edge (proto_convert.h).
using kernel::ExitReason;
using kernel::ExitStatus;

// A snapshot of one process: the kernel's (pid, args, fuel, CPU and memory,
// updated at least once per scheduling step while it runs, and the exit)
// and what the daemon records beside it.
struct ProcessInfo : kernel::ProcessInfo {
  uint64_t started_unix_ms = 0;
  uint64_t ended_unix_ms = 0;  // 0 while running.
  uint32_t moves = 0;          // Times it moved between nodes.
  std::string moved_from;      // The node it last came from; "" if it never moved.
};

// Console output in write order, from the process's console log
// (kernel/object/console_log.h): offsets count bytes since the process
// started, across both streams; each chunk is of one stream.
using kernel::ConsoleChunk;
using kernel::ConsoleStream;

struct ConsoleRead {
  std::vector<ConsoleChunk> chunks;
  uint64_t next_offset = 0;  // Where the next read continues.
  bool ended = false;        // The process has ended and all its output was returned.
};

class ProcessHost {
 public:
  virtual ~ProcessHost() = default;

  // Decodes, validates and links `spec.module_bytes`, then starts it. On
  // error nothing runs: kMalformed / kInvalid (the module), kLinkError
  // (imports this node cannot provide, or no _start), kNotFound / kIoError
  // (a preopen), kAlreadyExists (the pid is taken).
  virtual VoidResult Spawn(SpawnSpec spec) = 0;

  // Running processes and ended ones still retained.
  virtual std::vector<ProcessInfo> List() const = 0;
  virtual std::optional<ProcessInfo> Get(uint64_t pid) const = 0;
  // Pids held for processes not started yet (being spawned, or arriving
  // by a migration, prepared): neither listed nor free.
  virtual std::vector<uint64_t> Pending() const = 0;

  // Asks a running process to stop; it ends with ExitReason::kKilled soon
  // after (at its next fuel slice or wake-up). Returns false when it had
  // already ended. kNotFound for an unknown pid.
  virtual Result<bool> Kill(uint64_t pid) = 0;

  // Waits until the process ends or `deadline` passes. kNotFound for an
  // unknown pid, kShouldWait when the deadline passed first.
  virtual Result<ExitStatus> Wait(uint64_t pid, Deadline deadline) = 0;

  // Console output from `offset`, at most `max_bytes`. When there is
  // nothing new and the log is open, waits for output, its end or
  // `deadline` (then returns no chunks). Output older than the retention
  // bound is gone: reading starts at the oldest kept byte instead.
  // kNotFound for an unknown pid, kOutOfBounds for an offset past the end.
  virtual Result<ConsoleRead> ReadConsole(uint64_t pid, uint64_t offset, size_t max_bytes,
                                          Deadline deadline) = 0;

  // Freezes the running process `pid` at its next safepoint and returns its
  // image as a file (migrate/image_codec.h); it then runs on, or, with
  // `stop`, is killed. Errors (it runs on): kNotFound (no such running
  // process), kNotSupported (it holds what a file cannot carry: the message
  // says what), kShouldWait (no safepoint in time).
  virtual Result<std::vector<uint8_t>> Checkpoint(uint64_t pid, bool stop) = 0;

  // Starts a process from a file image, as pid `pid` (0: the image's own).
  // Errors: kMalformed (not an image, corrupt, truncated, another version),
  // kInvalidArgs (it does not fit its module), kAlreadyExists (the pid is
  // taken here), kNoMemory.
  virtual Result<uint64_t> Restore(std::span<const uint8_t> image, uint64_t pid) = 0;
  // The pid a file image was taken of; the image's errors.
  virtual Result<uint64_t> ImagePid(std::span<const uint8_t> image) = 0;

  // Called, on an arbitrary thread and without host locks held, when a
  // process starts or ends. Set once, before the first Spawn.
  using Observer = std::function<void(const ProcessInfo&)>;
  virtual void SetObserver(Observer observer) = 0;
};

}  // namespace shoal::clusterd
