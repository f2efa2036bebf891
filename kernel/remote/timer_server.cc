// The server of an exported timer (Timer in object_rpc.capnp).
//
// The wire carries a delay, never a deadline: the monotonic clocks of two
// nodes are not comparable, so the deadline is this node's clock when the
// call arrives plus the delay. The watch (ServerBase) pushes kSignaled when
// the timer fires, and the cleared signal after each set or cancel.
#include <limits>

#include "kernel/object/timer.h"
#include "kernel/remote/op_server.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

// Now plus `delay`, saturating: a delay past the end of time never fires.
MonotonicNs DeadlineAfter(uint64_t delay) {
  MonotonicNs now = MonotonicNow();
  return delay > std::numeric_limits<MonotonicNs>::max() - now
             ? std::numeric_limits<MonotonicNs>::max()
             : now + delay;
}

class TimerServer final : public proto::rpc::Timer::Server, public OpServer {
 public:
  TimerServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : OpServer(std::move(link), std::move(object), rights),
        timer_(std::static_pointer_cast<TimerOps>(this->object())) {}

  kj::Promise<void> set(SetContext context) override {
    uint64_t delay = context.getParams().getDelayNs();
    return Perform(context, Rights::kManage, [&] { return timer_->Set(DeadlineAfter(delay)); });
  }

  kj::Promise<void> cancel(CancelContext context) override {
    return Perform(context, Rights::kManage, [&] { return timer_->Cancel(); });
  }

 private:
  const Ref<TimerOps> timer_;
};

}  // namespace

kj::Own<ServerBase> NewTimerServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                   Rights rights) {
  return kj::heap<TimerServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
