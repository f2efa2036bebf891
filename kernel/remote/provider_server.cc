#include "kernel/remote/provider_server.h"

#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"

namespace shoal::kernel::remote {
namespace {

class ProviderServer final : public proto::rpc::Provider::Server {
 public:
  ProviderServer(std::shared_ptr<Link> link, std::shared_ptr<Provider> provider)
      : link_(std::move(link)), provider_(std::move(provider)) {}

  kj::Promise<void> open(OpenContext context) override {
    auto params = context.getParams();
    auto results = context.getResults();
    uint32_t rights = params.getRights();
    if ((rights & ~uint32_t(Rights::kAll)) != 0) {
      SetOutcome(results.initOutcome(), MakeError(Status::kInvalidArgs, "unknown rights"));
      return kj::READY_NOW;
    }
    Result<HandleEntry> entry = provider_->Open(params.getPath().cStr(), Rights(rights));
    if (!entry.ok()) {
      SetOutcome(results.initOutcome(), entry.error());
      return kj::READY_NOW;
    }
    SetOutcome(results.initOutcome(), ExportHandle(link_, *entry, results.initHandle()));
    return kj::READY_NOW;
  }

 private:
  const std::shared_ptr<Link> link_;
  const std::shared_ptr<Provider> provider_;
};

}  // namespace

proto::rpc::Provider::Client ExportProvider(const std::shared_ptr<Link>& link,
                                            std::shared_ptr<Provider> provider) {
  return kj::heap<ProviderServer>(link, std::move(provider));
}

}  // namespace shoal::kernel::remote
