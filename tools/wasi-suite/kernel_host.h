// The suite's programs as processes of a Kernel: the way `shoal run` runs a
// program on a node (Kernel::Spawn, the reactor's file IO, parking).
#pragma once

#include "kernel/proc/kernel.h"
#include "tools/wasi-suite/suite_runner.h"

namespace shoal::wasi_suite {

// Spawns each run in `kernel`, which must outlive the host; a process still
// running after the limit is killed.
CaseHost KernelHost(kernel::Kernel& kernel);

}  // namespace shoal::wasi_suite
