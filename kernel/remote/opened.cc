#include "kernel/remote/opened.h"

#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"

namespace shoal::kernel::remote {

kj::Promise<Result<HandleEntry>> ImportOpened(const std::shared_ptr<Link>& link,
                                              proto::rpc::Outcome::Reader outcome,
                                              proto::rpc::Handle::Reader handle) {
  VoidResult opened = ReadOutcome(outcome);
  if (!opened.ok()) return Result<HandleEntry>(opened.error());
  return ImportHandle(link, handle);
}

}  // namespace shoal::kernel::remote
