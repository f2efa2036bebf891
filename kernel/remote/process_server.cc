// Not yet exported: a process handle cannot cross nodes until its server lands.
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

kj::Own<ServerBase> NewProcessServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                     Rights rights) {
  return {};
}

}  // namespace shoal::kernel::remote
