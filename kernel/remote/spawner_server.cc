// The server of an exported spawner (Spawner in object_rpc.capnp): starts a
// process on this node for the holder and hands back its process handle.
#include <kj/async.h>

#include "kernel/object/spawner.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class SpawnerServer final : public proto::rpc::Spawner::Server, public ServerBase {
 public:
  SpawnerServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : ServerBase(std::move(link), std::move(object), rights) {}

  kj::Promise<void> spawn(SpawnContext context) override {
    VoidResult allowed = Require(Rights::kManage);
    if (!allowed.ok()) {
      SetOutcome(context.getResults().initOutcome(), allowed);
      return kj::READY_NOW;
    }
    auto request = context.getParams().getRequest();
    auto spec = std::make_shared<SpawnSpec>();
    auto module = request.getModule();
    spec->module.assign(module.begin(), module.end());
    for (auto arg : request.getArgs()) spec->args.emplace_back(arg.cStr());
    auto spawner = std::static_pointer_cast<SpawnerOps>(object());
    std::shared_ptr<Link> link = this->link();
    return ImportHandles(link, request.getHandles())
        .then([spec, spawner,
               link](Result<std::vector<HandleEntry>> handles) -> kj::Promise<Result<HandleEntry>> {
          if (!handles.ok()) return Result<HandleEntry>(std::move(handles).error());
          spec->handles = std::move(handles).value();
          // Spawn may answer on another thread: the answer comes back here.
          auto answer = kj::newPromiseAndCrossThreadFulfiller<Result<HandleEntry>>();
          auto fulfiller =
              std::make_shared<kj::Own<kj::CrossThreadPromiseFulfiller<Result<HandleEntry>>>>(
                  kj::mv(answer.fulfiller));
          spawner->Spawn(std::move(*spec), [fulfiller](Result<HandleEntry> process) {
            (*fulfiller)->fulfill(std::move(process));
          });
          return kj::mv(answer.promise);
        })
        .then([context, link](Result<HandleEntry> process) mutable {
          auto results = context.getResults();
          if (!process.ok()) return SetOutcome(results.initOutcome(), process.error());
          SetOutcome(results.initOutcome(), ExportHandle(link, *process, results.initProcess()));
        });
  }
};

}  // namespace

kj::Own<ServerBase> NewSpawnerServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                     Rights rights) {
  return kj::heap<SpawnerServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
