// handle_close, handle_duplicate, handle_replace, startup_handle,
// object_wait_one.
#include "kernel/abi/abi.h"
#include "kernel/base/timer_service.h"

namespace shoal::kernel::abi {

// handle_close(h) -> 0
Result<int32_t> HandleClose(AbiCall& c) {
  TRY(c.process.handles().Close(c.U32(0)));
  return 0;
}

// handle_duplicate(h, rights) -> new handle. Needs kDuplicate; rights ⊆ h's.
Result<int32_t> HandleDuplicate(AbiCall& c) {
  return int32_t(TRY(c.process.handles().Duplicate(c.U32(0), Rights(c.U32(1)))));
}

// handle_replace(h, rights) -> new handle; h dies. Rights ⊆ h's.
Result<int32_t> HandleReplace(AbiCall& c) {
  return int32_t(TRY(c.process.handles().Replace(c.U32(0), Rights(c.U32(1)))));
}

// startup_handle(index) -> the handle given at spawn, or kNotFound.
Result<int32_t> StartupHandle(AbiCall& c) {
  HandleValue h = c.process.startup_handle(c.U32(0));
  if (h == kInvalidHandle) return MakeError(Status::kNotFound, "no such startup handle");
  return int32_t(h);
}

// object_wait_one(h, signals, deadline, observed_ptr) -> 0 when any of
// `signals` is set (the signals then are stored at observed_ptr); kShouldWait
// once `deadline` (CLOCK_MONOTONIC ns; 0 = do not wait, UINT64_MAX = never)
// has passed. Needs kWait.
Result<int32_t> ObjectWaitOne(AbiCall& c) {
  Ref<KernelObject> object = TRY(c.process.handles().Get<KernelObject>(c.U32(0), Rights::kWait));
  Signals mask = Signals(c.U32(1)) & Signals::kAll;
  uint64_t deadline = c.U64(2);
  uint32_t observed_ptr = c.U32(3);
  if (mask == Signals::kNone) return MakeError(Status::kInvalidArgs, "no signals to wait for");
  TRY(c.Bytes(observed_ptr, 4));
  Signals now = object->signals();
  if ((now & mask) != Signals::kNone) {
    TRY(c.Store32(observed_ptr, uint32_t(now)));
    return 0;
  }
  if (deadline != kNoDeadline && MonotonicNow() >= deadline) {
    TRY(c.Store32(observed_ptr, uint32_t(now)));
    return MakeError(Status::kShouldWait, "deadline passed");
  }
  return c.Park({std::move(object), mask, deadline == kNoDeadline ? 0 : deadline});
}

}  // namespace shoal::kernel::abi
