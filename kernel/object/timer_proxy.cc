// TimerOps through the object protocol (see object_client.h).
#include <capnp/message.h>

#include "kernel/object/object_client.h"
#include "kernel/object/timer.h"

namespace shoal::kernel {
namespace {

class TimerProxy final : public Proxy<TimerOps> {
 public:
  TimerProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kTimer, std::move(client), export_id) {}

  // TODO(net): the deadline is on the serving node's clock; between nodes the
  // wire must carry a duration instead.
  VoidResult Set(MonotonicNs deadline) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setTimerSet(deadline);
    return client().CallVoid(message);
  }

  VoidResult Cancel() override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setTimerCancel();
    return client().CallVoid(message);
  }
};

}  // namespace

Ref<KernelObject> MakeTimerProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<TimerProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
