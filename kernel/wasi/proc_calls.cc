// proc_exit, proc_raise, sched_yield.
#include "kernel/wasi/host_calls.h"

namespace shoal::wasi {

Errno ProcExit(WasiCall& c) {
  c.action = vm::HostAction::kExit;
  c.exit_code = int32_t(c.U32(0));
  return Errno::kSuccess;
}

// Shoal has no signals (ARCHITECTURE.md, invariant 5).
Errno ProcRaise(WasiCall& c) { return Errno::kNosys; }

// Parks the process once so the scheduler may run others (and so it is a
// safepoint); the retried call sees the flag and returns.
Errno SchedYield(WasiCall& c) {
  if (c.process.yield_pending()) {
    c.process.set_yield_pending(false);
    return Errno::kSuccess;
  }
  c.process.set_yield_pending(true);
  c.action = vm::HostAction::kYield;
  return Errno::kSuccess;
}

}  // namespace shoal::wasi
