// Not yet imported: a directory handle cannot cross nodes until its proxy lands.
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

Ref<KernelObject> NewDirectoryProxy(const std::shared_ptr<Link>& link,
                                    proto::rpc::Object::Client capability) {
  return nullptr;
}

}  // namespace shoal::kernel::remote
