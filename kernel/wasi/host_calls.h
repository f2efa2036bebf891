// The WASI host-call layer: one small function per WASI call, grouped by
// object in *_calls.cc, all listed in one table (call_table.cc).
//
// Each handler checks its arguments, looks the descriptor up with the rights
// it needs, calls the object and writes results through GuestMemory. It
// returns the errno the guest sees; a handler that must park the process or
// end it sets WasiCall::action instead.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "kernel/vm/runtime.h"
#include "kernel/wasi/guest_memory.h"
#include "kernel/wasi/wasi_process.h"

namespace shoal::wasi {

// One call in progress. It holds no VM objects beyond the arguments, so the
// handlers can be tested (and later reused by the kernel's own host-call
// layer) without a running interpreter.
struct WasiCall {
  WasiCall(WasiProcess& p, GuestMemory m, std::span<const vm::Value> a)
      : process(p), memory(m), args(a) {}

  uint32_t U32(size_t i) const { return args[i].i32(); }
  uint64_t U64(size_t i) const { return args[i].i64(); }

  WasiProcess& process;
  GuestMemory memory;
  std::span<const vm::Value> args;
  vm::HostAction action = vm::HostAction::kReturn;  // kYield or kExit override.
  int32_t exit_code = 0;                            // With kExit.
};

using WasiHandler = Errno (*)(WasiCall&);

// A WASI function: its name, its parameter types as a string ('i' = i32,
// 'I' = i64), whether it returns an errno (all but proc_exit), and its code.
struct WasiFunctionSpec {
  std::string_view name;
  std::string_view params;
  bool returns_errno;
  WasiHandler handler;
};

// Every implemented function, sorted by name.
std::span<const WasiFunctionSpec> WasiFunctions();
const WasiFunctionSpec* FindWasiFunction(std::string_view name);

// args_calls.cc
Errno ArgsGet(WasiCall& c);
Errno ArgsSizesGet(WasiCall& c);
Errno EnvironGet(WasiCall& c);
Errno EnvironSizesGet(WasiCall& c);
// clock_calls.cc
Errno ClockResGet(WasiCall& c);
Errno ClockTimeGet(WasiCall& c);
Errno RandomGet(WasiCall& c);
// proc_calls.cc
Errno ProcExit(WasiCall& c);
Errno ProcRaise(WasiCall& c);
Errno SchedYield(WasiCall& c);
// sock_calls.cc
Errno SockShutdown(WasiCall& c);
// poll_calls.cc
Errno PollOneoff(WasiCall& c);
// fd_calls.cc (streams and data)
Errno FdRead(WasiCall& c);
Errno FdWrite(WasiCall& c);
Errno FdPread(WasiCall& c);
Errno FdPwrite(WasiCall& c);
Errno FdSeek(WasiCall& c);
Errno FdTell(WasiCall& c);
Errno FdClose(WasiCall& c);
Errno FdRenumber(WasiCall& c);
Errno FdSync(WasiCall& c);
Errno FdDatasync(WasiCall& c);
Errno FdAdvise(WasiCall& c);
Errno FdAllocate(WasiCall& c);
// fd_info_calls.cc (metadata)
Errno FdFdstatGet(WasiCall& c);
Errno FdFdstatSetFlags(WasiCall& c);
Errno FdFdstatSetRights(WasiCall& c);
Errno FdFilestatGet(WasiCall& c);
Errno FdFilestatSetSize(WasiCall& c);
Errno FdFilestatSetTimes(WasiCall& c);
Errno FdPrestatGet(WasiCall& c);
Errno FdPrestatDirName(WasiCall& c);
Errno FdReaddir(WasiCall& c);
// path_calls.cc
Errno PathOpen(WasiCall& c);
Errno PathFilestatGet(WasiCall& c);
Errno PathFilestatSetTimes(WasiCall& c);
Errno PathCreateDirectory(WasiCall& c);
Errno PathRemoveDirectory(WasiCall& c);
Errno PathRename(WasiCall& c);
Errno PathUnlinkFile(WasiCall& c);
Errno PathReadlink(WasiCall& c);
Errno PathSymlink(WasiCall& c);
Errno PathLink(WasiCall& c);

// Shared by the handlers: writes a filestat at `addr`.
Errno StoreFileStat(const GuestMemory& memory, uint64_t addr, const FileStat& st);

// What a handler returns for the failure `e` of an operation it ran through
// the process's PendingCall (file_object.h): kAgain with the operation in
// flight parks the process (kYield; the call is retried when it completes,
// and the value returned here is not seen); anything else is the answer.
Errno ParkOnPending(WasiCall& c, Errno e);

// `result` of an operation that may be in flight, its failure passed
// through ParkOnPending: TRY(OrPark(c, ...)) parks the process instead of
// failing while the operation runs.
template <typename T>
ErrnoOr<T> OrPark(WasiCall& c, ErrnoOr<T> result) {
  if (!result.ok()) return ParkOnPending(c, result.error());
  return result;
}

}  // namespace shoal::wasi
