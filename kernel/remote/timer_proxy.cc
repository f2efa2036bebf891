// Not yet imported: a timer handle cannot cross nodes until its proxy lands.
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

Ref<KernelObject> NewTimerProxy(const std::shared_ptr<Link>& link,
                                proto::rpc::Object::Client capability) {
  return nullptr;
}

}  // namespace shoal::kernel::remote
