// Not yet exported: a timer handle cannot cross nodes until its server lands.
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

kj::Own<ServerBase> NewTimerServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                   Rights rights) {
  return {};
}

}  // namespace shoal::kernel::remote
