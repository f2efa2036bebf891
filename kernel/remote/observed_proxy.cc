#include "kernel/remote/observed_proxy.h"

#include "kernel/remote/proxy.h"

namespace shoal::kernel::remote {
namespace {

// The operations of an object known only by its signals: none.
class ObservedOps : public KernelObject {
 public:
  static constexpr ObjectType kType = kObservedType;

 protected:
  using KernelObject::KernelObject;
};

class ObservedProxy final : public MirroredProxy<ObservedOps> {
 public:
  ObservedProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : MirroredProxy(std::move(link), kj::mv(capability)) {}
  using MirroredProxy::Start;
};

}  // namespace

Ref<KernelObject> NewObservedProxy(const std::shared_ptr<Link>& link,
                                   proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<ObservedProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

}  // namespace shoal::kernel::remote
