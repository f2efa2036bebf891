// The native `shoal` import module: the host calls a Wasm program uses to
// reach its handles (docs/abi.md; the C side is apps/include/shoal/shoal.h).
//
// One small function per call, grouped by object in *_calls.cc and listed in
// one table (call_table.cc). Each handler looks its handles up first (so the
// error order of handle_table.h holds: bad handle, wrong type, access
// denied), then checks the other arguments, then guest memory, then calls the
// object.
//
// Results: every call returns an i32. A value >= 0 is success (0, a handle
// value, or a byte count); a negative value is -(shoal::Status), e.g.
// -1 = bad handle (kernel/base/status.h). A call that waits sets
// AbiCall::action to kYield, after SetObjectWait() (Park) to wait for an
// object's signals, or after leaving an operation in flight in the process's
// PendingCall (ParkOnPending): the process parks and the call is retried
// from the start when it is woken; the retry collects the operation's
// outcome (kernel/base/pending_call.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "kernel/base/result.h"
#include "kernel/object/handle_table.h"
#include "kernel/proc/process.h"
#include "kernel/vm/runtime.h"
#include "kernel/wasi/guest_memory.h"

namespace shoal::kernel::abi {

inline constexpr std::string_view kShoalModuleName = "shoal";

// Flags of the calls that may wait.
inline constexpr uint32_t kWaitFlag = 1;  // SHOAL_WAIT: park instead of kShouldWait.

// A deadline meaning "never" for object_wait_one.
inline constexpr uint64_t kNoDeadline = UINT64_MAX;

// One call in progress. Holds no VM objects beyond the arguments, so the
// handlers run in tests and the fuzzer on plain memory.
struct AbiCall {
  AbiCall(Process& p, wasi::GuestMemory m, std::span<const vm::Value> a)
      : process(p), memory(m), args(a) {}

  uint32_t U32(size_t i) const { return args[i].i32(); }
  uint64_t U64(size_t i) const { return args[i].i64(); }

  // Parks the process until `wait` is met; the call is retried then.
  int32_t Park(ObjectWait wait) {
    process.SetObjectWait(std::move(wait));
    action = vm::HostAction::kYield;
    return 0;
  }

  // Runs an object operation that may complete later, `start(done)`, through
  // the process's PendingCall under `key` (one key type per call, naming
  // the object and every argument): its outcome, or nullopt after parking
  // the process until it completes (the handler then returns 0; the retried
  // call collects the outcome).
  template <typename T, typename Key, typename Start>
  std::optional<T> RunPending(Key key, Start&& start) {
    std::optional<T> outcome =
        process.pending_call().Run<T>(std::move(key), std::forward<Start>(start));
    if (!outcome) ParkOnPending();
    return outcome;
  }

  // What a call that got `error` from `object` answers: with SHOAL_WAIT in
  // `flags`, kShouldWait parks the caller until `ready` or kPeerClosed on
  // the object (the call is retried then); any other error is the answer.
  Result<int32_t> WaitOrFail(const Error& error, uint32_t flags, Ref<KernelObject> object,
                             Signals ready) {
    if (error.status == Status::kShouldWait && (flags & kWaitFlag) != 0) {
      return Park({std::move(object), ready | Signals::kPeerClosed, 0});
    }
    return error;
  }

  // Parks the process until the operation its PendingCall left in flight
  // completes; the call is retried then.
  int32_t ParkOnPending() {
    process.SetPendingWait(process.pending_call().TakeWait());
    action = vm::HostAction::kYield;
    return 0;
  }

  // Checked guest memory; errors are kOutOfBounds.
  Result<std::span<uint8_t>> Bytes(uint64_t addr, uint64_t len) const;
  VoidResult Store32(uint64_t addr, uint32_t value) const;

  Process& process;
  wasi::GuestMemory memory;
  std::span<const vm::Value> args;
  vm::HostAction action = vm::HostAction::kReturn;
};

// A handler's result: a value >= 0, or an error whose Status the guest sees.
using AbiHandler = Result<int32_t> (*)(AbiCall&);

struct AbiFunctionSpec {
  std::string_view name;
  std::string_view params;  // 'i' = i32, 'I' = i64; the result is always i32.
  AbiHandler handler;
};

// Every shoal function, sorted by name.
std::span<const AbiFunctionSpec> AbiFunctions();
const AbiFunctionSpec* FindAbiFunction(std::string_view name);

// Runs `spec` for `call` and turns its result into the guest's i32.
int32_t Dispatch(const AbiFunctionSpec& spec, AbiCall& call);

// handle_calls.cc
Result<int32_t> HandleClose(AbiCall& c);
Result<int32_t> HandleDuplicate(AbiCall& c);
Result<int32_t> HandleReplace(AbiCall& c);
Result<int32_t> StartupHandle(AbiCall& c);
Result<int32_t> ObjectWaitOne(AbiCall& c);
// channel_calls.cc
Result<int32_t> ChannelCreate(AbiCall& c);
Result<int32_t> ChannelWrite(AbiCall& c);
Result<int32_t> ChannelRead(AbiCall& c);
// port_calls.cc
Result<int32_t> PortCreate(AbiCall& c);
Result<int32_t> PortWaitAsync(AbiCall& c);
Result<int32_t> PortWait(AbiCall& c);
Result<int32_t> PortCancel(AbiCall& c);
Result<int32_t> PortQueue(AbiCall& c);
// timer_calls.cc
Result<int32_t> TimerCreate(AbiCall& c);
Result<int32_t> TimerSet(AbiCall& c);
Result<int32_t> TimerCancel(AbiCall& c);
// fd_calls.cc
Result<int32_t> FdFromHandle(AbiCall& c);
Result<int32_t> HandleFromFd(AbiCall& c);
// process_calls.cc
Result<int32_t> ProcessSpawn(AbiCall& c);
Result<int32_t> ProcessSpawnOn(AbiCall& c);
Result<int32_t> ProcessWait(AbiCall& c);
Result<int32_t> ProcessTerminate(AbiCall& c);
Result<int32_t> ProcessKill(AbiCall& c);
Result<int32_t> ProcessWatchTerminate(AbiCall& c);
// namespace_calls.cc
Result<int32_t> NamespaceOpen(AbiCall& c);
// device_calls.cc
Result<int32_t> DeviceRead(AbiCall& c);
Result<int32_t> DeviceWrite(AbiCall& c);
Result<int32_t> DeviceDescribe(AbiCall& c);
Result<int32_t> DeviceControl(AbiCall& c);
// audio_calls.cc
Result<int32_t> AudioGetInfo(AbiCall& c);
Result<int32_t> AudioGetStatus(AbiCall& c);
Result<int32_t> AudioConfigure(AbiCall& c);
Result<int32_t> AudioStart(AbiCall& c);
Result<int32_t> AudioStop(AbiCall& c);
Result<int32_t> AudioDrain(AbiCall& c);
Result<int32_t> AudioWrite(AbiCall& c);
Result<int32_t> AudioRead(AbiCall& c);
// camera_calls.cc
Result<int32_t> CameraGetInfo(AbiCall& c);
Result<int32_t> CameraConfigure(AbiCall& c);
Result<int32_t> CameraStart(AbiCall& c);
Result<int32_t> CameraStop(AbiCall& c);
Result<int32_t> CameraRead(AbiCall& c);

}  // namespace shoal::kernel::abi
