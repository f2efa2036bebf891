#include "kernel/remote/subscription.h"

namespace shoal::kernel::remote {
namespace {

class Holder final : public proto::rpc::Subscription::Server {
 public:
  explicit Holder(std::shared_ptr<void> held) : held_(std::move(held)) {}

 private:
  std::shared_ptr<void> held_;
};

}  // namespace

proto::rpc::Subscription::Client HoldUntilDropped(std::shared_ptr<void> held) {
  return kj::heap<Holder>(std::move(held));
}

}  // namespace shoal::kernel::remote
