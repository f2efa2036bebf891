// timer_create, timer_set, timer_cancel.
#include "kernel/abi/abi.h"
#include "kernel/object/timer.h"
#include "kernel/proc/kernel.h"

namespace shoal::kernel::abi {

// timer_create() -> timer handle, on the node's timer service.
Result<int32_t> TimerCreate(AbiCall& c) {
  Ref<Timer> timer = TRY(Timer::Create(c.process.kernel().timers()));
  return int32_t(TRY(c.process.handles().Add(timer, DefaultRights(ObjectType::kTimer))));
}

// timer_set(timer, deadline) -> 0: kSignaled at `deadline` (CLOCK_MONOTONIC
// ns, as WASI clock_time_get(monotonic) reads it). kManage.
Result<int32_t> TimerSet(AbiCall& c) {
  Ref<TimerOps> timer = TRY(c.process.handles().Get<TimerOps>(c.U32(0), Rights::kManage));
  TRY(timer->Set(c.U64(1)));
  return 0;
}

// timer_cancel(timer) -> 0. kManage.
Result<int32_t> TimerCancel(AbiCall& c) {
  Ref<TimerOps> timer = TRY(c.process.handles().Get<TimerOps>(c.U32(0), Rights::kManage));
  TRY(timer->Cancel());
  return 0;
}

}  // namespace shoal::kernel::abi
