#include "tools/wasi-suite/kernel_host.h"

#include <chrono>

namespace shoal::wasi_suite {

CaseHost KernelHost(kernel::Kernel& kernel) {
  return [&kernel](std::vector<uint8_t> module, wasi::WasiConfig config,
                   unsigned limit_seconds) -> Result<CaseRun> {
    kernel::SpawnRequest request;
    request.module_bytes = std::move(module);
    request.args = std::move(config.args);
    request.env = std::move(config.env);
    request.preopens = std::move(config.preopens);
    request.stdout_mirror = std::move(config.stdout_sink);
    request.stderr_mirror = std::move(config.stderr_sink);
    kernel::SpawnResult spawned = TRY(kernel.Spawn(std::move(request)));
    Result<kernel::ExitStatus> status =
        kernel.Wait(spawned.pid, std::chrono::seconds(limit_seconds));
    if (!status.ok() && status.error().status == Status::kShouldWait) {
      // Killed at its next safepoint; the wait reaps it.
      (void)kernel.Kill(spawned.pid);
      (void)kernel.Wait(spawned.pid, std::chrono::seconds(limit_seconds));
      return CaseRun{0, true};
    }
    if (!status.ok()) return status.error();
    return CaseRun{status->code, false};
  };
}

}  // namespace shoal::wasi_suite
