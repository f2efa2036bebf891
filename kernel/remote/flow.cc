#include "kernel/remote/flow.h"

namespace shoal::kernel::remote {

kj::Promise<void> WhenRoom(const std::shared_ptr<Loop>& loop,
                           const std::function<bool(std::function<void()> wake)>& reserve) {
  auto room = kj::newPromiseAndFulfiller<void>();
  // `wake` may be dropped on a worker: the fulfiller is destroyed on the loop.
  auto fulfiller =
      LoopShared(loop, new kj::Own<kj::PromiseFulfiller<void>>(kj::mv(room.fulfiller)));
  if (reserve([fulfiller] { (*fulfiller)->fulfill(); })) return kj::READY_NOW;
  return kj::mv(room.promise);
}

Result<ObserverToken> ObserveOnLoop(KernelObject& object, Signals mask,
                                    const std::shared_ptr<Loop>& loop, std::function<void()> fn) {
  std::weak_ptr<Loop> weak = loop;
  return object.ObserveAsync(mask, [weak, fn = std::move(fn)](Signals) mutable {
    if (auto l = weak.lock()) (void)l->Post(std::move(fn));
  });
}

}  // namespace shoal::kernel::remote
