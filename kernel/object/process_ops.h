// ProcessOps: what a process handle lets its holder do, local or proxied.
//
// The local implementation is kernel/proc's ProcessObject (it reaches the
// running Process); the proxy (kernel/remote/process_proxy.cc) forwards the
// same operations over the wire, so a handle can name a process that runs on
// another node (ARCHITECTURE.md, invariant 3). The exit status types live
// here because both sides of the wire speak them.
//
// Signals: kSignaled once the process has ended (a level, never cleared).
// Threading: every operation is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

// How a process ended. Values cross the wire (proto ExitStatus.reason).
enum class ExitReason : uint8_t {
  kReturned,   // _start returned: exit code 0.
  kExited,     // proc_exit(code).
  kTrapped,    // A trap: exit code kTrapExitCode (134).
  kKilled,     // Kill (or Terminate without a terminate port): kKilledExitCode.
  kOutOfFuel,  // Its fuel limit ran out: kOutOfFuelExitCode (124).
};
constexpr uint8_t kMaxExitReason = uint8_t(ExitReason::kOutOfFuel);

// The exit codes of the reasons that carry no code of their own, as a shell
// reports a native process ended the same way.
inline constexpr int kTrapExitCode = 134;       // SIGABRT.
inline constexpr int kOutOfFuelExitCode = 124;  // timeout(1).
inline constexpr int kKilledExitCode = 137;     // SIGKILL.

struct ExitStatus {
  ExitReason reason = ExitReason::kReturned;
  int32_t code = 0;
  std::string trap_message;  // With kTrapped.
  uint64_t fuel_used = 0;
  uint64_t cpu_ns = 0;
};

inline ExitStatus MakeExitStatus(ExitReason reason, int32_t code) {
  ExitStatus status;
  status.reason = reason;
  status.code = code;
  return status;
}

// A snapshot of a process: what a process handle tells about it (over the
// wire, the pid and the exit only). shoald's record of a process extends it
// with what the cluster knows (clusterd/process_host.h).
struct ProcessInfo {
  uint64_t pid = 0;                // On the node that runs it.
  std::vector<std::string> args;   // argv; args[0] names the program.
  uint64_t fuel_used = 0;          // So far, across moves; the exit's once it ended.
  uint64_t cpu_ns = 0;             // CPU time spent running it, likewise.
  uint64_t memory_bytes = 0;       // Its linear memories while it runs; 0 once it ended.
  std::optional<ExitStatus> exit;  // Once it ended.
  bool running() const { return !exit.has_value(); }
};

// Rights: Info needs none, WaitExit kWait, Terminate and Kill kManage.
class ProcessOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kProcess;

  virtual Result<ProcessInfo> Info() = 0;

  // The exit status once the process ended; kShouldWait while it runs (then
  // observe kSignaled and ask again).
  Result<ExitStatus> WaitExit() {
    ProcessInfo info = TRY(Info());
    if (!info.exit) return MakeError(Status::kShouldWait, "the process is still running");
    return std::move(*info.exit);
  }

  // Asks the process to end: a packet on the port it watches
  // (process_watch_terminate), else a kill. Fine after it ended.
  virtual VoidResult Terminate() = 0;

  // Ends the process at its next safepoint, whatever it does. Fine after it
  // ended.
  virtual VoidResult Kill() = 0;

 protected:
  using KernelObject::KernelObject;
};

}  // namespace shoal::kernel
