#include "kernel/wasi/run_main.h"

#include <poll.h>
#include <time.h>

#include <algorithm>

#include "kernel/base/await.h"
#include "kernel/vm/compiled_module.h"
#include "kernel/vm/thread.h"

namespace shoal::wasi {
namespace {

// Blocks the calling thread until the parked process can make progress.
// TODO(sched): the kernel's scheduler will park the process instead and run
// others meanwhile; this runner has only the one.
// With `stoppable`, waits at most kStopCheckNs so the caller can ask
// should_stop again.
constexpr uint64_t kStopCheckNs = 100'000'000;

void WaitWhileParked(WasiProcess& process, bool stoppable) {
  if (std::shared_ptr<IoWait> io = process.take_io_wait()) {
    // An operation in flight (pending_call.h): this thread has nothing else
    // to run, so it waits for the completion.
    Await<bool>([&](auto done) { io->OnDone([done] { done(true); }); });
    return;
  }
  FdWait wait = process.take_fd_wait();
  const auto& pending = process.pending_poll();
  uint64_t wake = pending ? pending->wake_ns : UINT64_MAX;
  if (stoppable) wake = std::min(wake, MonotonicNowNs() + kStopCheckNs);
  if (wait.fd >= 0) {  // A descriptor, until `wake` at the latest.
    uint64_t now = MonotonicNowNs();
    int timeout_ms = wake == UINT64_MAX ? -1
                     : wake <= now
                         ? 0
                         : int(std::min<uint64_t>((wake - now + 999'999) / 1'000'000, INT32_MAX));
    pollfd p{wait.fd, wait.events, 0};
    ::poll(&p, 1, timeout_ms);
    return;
  }
  if (wake == UINT64_MAX) return;
  timespec ts{time_t(wake / 1'000'000'000ull), long(wake % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

Result<RunOutcome> RunWasiMain(std::span<const uint8_t> module_bytes, WasiConfig config,
                               const RunOptions& options) {
  // Preopens first: a bad --dir is reported even for a module that would
  // not load.
  std::unique_ptr<WasiProcess> process = TRY(WasiProcess::Create(std::move(config)));
  std::shared_ptr<const vm::CompiledModule> compiled = TRY(vm::LoadModule(module_bytes));
  vm::Store store;
  std::vector<vm::Extern> imports = TRY(process->LinkImports(store, compiled->module()));
  vm::Instance* instance = TRY(vm::Instance::Instantiate(store, compiled, imports));
  std::optional<vm::Extern> start = instance->GetExport("_start");
  if (!start || start->kind != vm::ExternKind::kFunc) {
    return MakeError(Status::kLinkError, "the module exports no _start function");
  }

  vm::Thread thread(store);
  TRY(thread.Call(start->addr, {}));
  RunOutcome outcome;
  for (;;) {
    if (options.should_stop && options.should_stop()) {
      outcome.end = RunEnd::kStopped;
      outcome.exit_code = kStoppedExitCode;
      break;
    }
    uint64_t slice = options.slice;
    if (options.fuel != UINT64_MAX) {
      uint64_t used = thread.fuel_used();
      if (used >= options.fuel) {
        outcome.end = RunEnd::kOutOfFuel;
        outcome.exit_code = kOutOfFuelExitCode;
        break;
      }
      slice = std::min(slice, options.fuel - used);
    }
    vm::RunStatus status = thread.Run(slice);
    if (status == vm::RunStatus::kOutOfFuel) continue;
    if (status == vm::RunStatus::kYielded) {
      WaitWhileParked(*process, bool(options.should_stop));
      continue;
    }
    if (status == vm::RunStatus::kFinished) {
      outcome.end = RunEnd::kReturned;
      outcome.exit_code = 0;
    } else if (status == vm::RunStatus::kExited) {
      outcome.end = RunEnd::kExited;
      outcome.exit_code = thread.exit_code();
    } else {
      outcome.end = RunEnd::kTrapped;
      outcome.exit_code = kTrapExitCode;
      outcome.trap_message = thread.trap_message();
      std::string line = "trap: " + outcome.trap_message + "\n";
      (void)process->stderr_sink().Write(
          {reinterpret_cast<const uint8_t*>(line.data()), line.size()});
    }
    break;
  }
  outcome.fuel_used = thread.fuel_used();
  return outcome;
}

}  // namespace shoal::wasi
