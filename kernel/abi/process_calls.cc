// process_spawn, process_wait, process_terminate, process_kill,
// process_watch_terminate.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "kernel/abi/abi.h"
#include "kernel/object/port.h"
#include "kernel/object/spawner.h"
#include "kernel/proc/kernel.h"
#include "kernel/wasi/guest_memory.h"

namespace shoal::kernel::abi {
namespace {

constexpr uint32_t kMaxSpawnModuleBytes = 64u << 20;
constexpr uint32_t kMaxSpawnArgBytes = 64u << 10;
constexpr uint32_t kMaxSpawnHandles = 64;

// "a\0b\0c" (a trailing NUL is optional) -> {"a", "b", "c"}; no args give
// {"child"}.
std::vector<std::string> SplitArgs(std::span<const uint8_t> bytes) {
  std::vector<std::string> args;
  std::string current;
  for (uint8_t b : bytes) {
    if (b == 0) {
      args.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(char(b));
    }
  }
  if (!current.empty()) args.push_back(std::move(current));
  if (args.empty()) args.push_back("child");
  return args;
}

// A spawn's arguments in guest memory: the module, the NUL-separated args and
// the handle values, checked against the limits.
struct SpawnArgs {
  std::span<uint8_t> module;
  std::span<uint8_t> args;
  std::vector<HandleValue> handles;
};

// Reads (module_ptr, module_len, args_ptr, args_len, handles_ptr, nhandles)
// from the call's arguments starting at `first`.
Result<SpawnArgs> ReadSpawnArgs(AbiCall& c, int first) {
  uint32_t module_ptr = c.U32(first), module_len = c.U32(first + 1);
  uint32_t args_ptr = c.U32(first + 2), args_len = c.U32(first + 3);
  uint32_t handles_ptr = c.U32(first + 4), nhandles = c.U32(first + 5);
  if (module_len > kMaxSpawnModuleBytes || args_len > kMaxSpawnArgBytes ||
      nhandles > kMaxSpawnHandles) {
    return MakeError(Status::kInvalidArgs, "spawn arguments too large");
  }
  SpawnArgs spawn;
  spawn.module = TRY(c.Bytes(module_ptr, module_len));
  spawn.args = TRY(c.Bytes(args_ptr, args_len));
  std::span<uint8_t> raw_handles = TRY(c.Bytes(handles_ptr, uint64_t(nhandles) * 4));
  spawn.handles.resize(nhandles);
  for (uint32_t i = 0; i < nhandles; ++i) {
    spawn.handles[i] = wasi::GetLe32(raw_handles.data() + 4 * i);
  }
  return spawn;
}

}  // namespace

// process_spawn(module_ptr, module_len, args_ptr, args_len, handles_ptr,
// nhandles) -> a process handle (kWait, kManage, kDuplicate, kTransfer).
// args: NUL-separated strings, args[0] the program name. The handles (each
// needs kTransfer) move to the child as its startup handles 0..n-1; on any
// error they stay with the caller. The child has no preopens, an empty
// environment and no stdin; its output goes to the caller's console log
// (and mirrors: the terminal under `shoal run`). Its namespace is a copy
// of the caller's.
Result<int32_t> ProcessSpawn(AbiCall& c) {
  SpawnArgs spawn = TRY(ReadSpawnArgs(c, 0));
  Process& self = c.process;
  SpawnRequest request;
  request.module_bytes.assign(spawn.module.begin(), spawn.module.end());
  request.args = SplitArgs(spawn.args);
  request.console = self.console_log();
  request.stdout_mirror = self.stdout_mirror();
  request.stderr_mirror = self.stderr_mirror();
  request.parent_pid = self.pid();
  request.reaping = Reaping::kWithHandle;
  request.ns = self.ns().Clone();  // The child sees what its parent sees.

  Ref<ProcessObject> child;
  TRY(self.handles().TakeAll(spawn.handles, Rights::kTransfer,
                             [&](std::vector<HandleEntry> entries) -> VoidResult {
                               request.handles = std::move(entries);
                               SpawnResult spawned = TRY(self.kernel().Spawn(std::move(request)));
                               child = std::move(spawned.object);
                               return {};
                             }));
  return int32_t(TRY(self.handles().Add(child, DefaultRights(ObjectType::kProcess))));
}

namespace {

// Names one process_spawn_on call: the spawner and the raw arguments (a
// parked process's memory does not change, so equal arguments are the same
// request).
struct SpawnOnKey {
  Ref<KernelObject> spawner;
  std::array<uint32_t, 6> args;
  bool operator==(const SpawnOnKey&) const = default;
};

}  // namespace

// process_spawn_on(spawner, module_ptr, module_len, args_ptr, args_len,
// handles_ptr, nhandles) -> a process handle: process_spawn on the node the
// spawner stands for (namespace_open("/nodes/NAME") under shoald), which may
// be another node. Needs kManage on the spawner. The caller parks until the
// node answered. The child has that node's namespace and its own consoles
// there (its output does not reach the caller's terminal). The handles (each
// needs kTransfer) leave the caller's table when the request is sent; if the
// spawn then fails they are dropped (a channel end reads as peer-closed).
// Errors of the node: those of process_spawn, and -19 (peer gone) when the
// node became unreachable.
Result<int32_t> ProcessSpawnOn(AbiCall& c) {
  Ref<SpawnerOps> spawner = TRY(c.process.handles().Get<SpawnerOps>(c.U32(0), Rights::kManage));
  SpawnArgs spawn = TRY(ReadSpawnArgs(c, 1));
  SpawnOnKey key{spawner, {c.U32(1), c.U32(2), c.U32(3), c.U32(4), c.U32(5), c.U32(6)}};
  std::optional<Result<HandleEntry>> child = c.RunPending<Result<HandleEntry>>(
      std::move(key), [&](SpawnerOps::SpawnDone done) {
        SpawnSpec spec;
        spec.module.assign(spawn.module.begin(), spawn.module.end());
        spec.args = SplitArgs(spawn.args);
        VoidResult taken = c.process.handles().TakeAll(
            spawn.handles, Rights::kTransfer, [&](std::vector<HandleEntry> entries) -> VoidResult {
              spec.handles = std::move(entries);
              return Ok();
            });
        if (!taken.ok()) return done(taken.error());
        spawner->Spawn(std::move(spec), std::move(done));
      });
  if (!child) return 0;  // Parked; the retried call collects the answer.
  HandleEntry process = TRY(std::move(*child));
  return int32_t(TRY(c.process.handles().Add(std::move(process.object), process.rights)));
}

// process_wait(proc, flags, exit_code_ptr) -> 0 once the process ended; its
// exit code is stored at exit_code_ptr. Without SHOAL_WAIT a running process
// gives kShouldWait. Needs kWait.
Result<int32_t> ProcessWait(AbiCall& c) {
  Ref<ProcessOps> process = TRY(c.process.handles().Get<ProcessOps>(c.U32(0), Rights::kWait));
  uint32_t flags = c.U32(1), code_ptr = c.U32(2);
  if ((flags & ~kWaitFlag) != 0) return MakeError(Status::kInvalidArgs, "unknown flags");
  TRY(c.Bytes(code_ptr, 4));
  Result<ExitStatus> status = process->WaitExit();
  if (!status.ok()) {
    if (status.error().status == Status::kShouldWait && (flags & kWaitFlag) != 0) {
      return c.Park({process, Signals::kSignaled, 0});
    }
    return status.error();
  }
  TRY(c.Store32(code_ptr, uint32_t(status->code)));
  return 0;
}

// process_terminate(proc) -> 0: a terminate packet on the process's watched
// port, or a kill if it watches none. Needs kManage. An ended process: 0.
Result<int32_t> ProcessTerminate(AbiCall& c) {
  Ref<ProcessOps> process = TRY(c.process.handles().Get<ProcessOps>(c.U32(0), Rights::kManage));
  TRY(process->Terminate());
  return 0;
}

// process_kill(proc) -> 0: the process ends at its next safepoint. kManage.
Result<int32_t> ProcessKill(AbiCall& c) {
  Ref<ProcessOps> process = TRY(c.process.handles().Get<ProcessOps>(c.U32(0), Rights::kManage));
  TRY(process->Kill());
  return 0;
}

// process_watch_terminate(port, key) -> 0: Terminate() of this process then
// queues a user packet {key, user[0] = SHOAL_TERMINATE_TAG} on `port` instead
// of killing it. Needs kWrite on the port.
Result<int32_t> ProcessWatchTerminate(AbiCall& c) {
  Ref<PortOps> port = TRY(c.process.handles().Get<PortOps>(c.U32(0), Rights::kWrite));
  c.process.WatchTerminate(std::move(port), c.U64(1));
  return 0;
}

}  // namespace shoal::kernel::abi
