// A spawner on another node: Spawn sends the module, arguments and handles
// and answers with a proxy of the new process's handle.
#include "kernel/object/spawner.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class SpawnerProxy final : public SpawnerOps, public RemoteObject {
 public:
  SpawnerProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : SpawnerOps(ObjectType::kSpawner), RemoteObject(std::move(link), kj::mv(capability)) {}

  void Spawn(SpawnSpec spec, SpawnDone done) override {
    auto shared_spec = std::make_shared<SpawnSpec>(std::move(spec));
    auto shared_done = std::make_shared<SpawnDone>(std::move(done));
    std::shared_ptr<Link> link = this->link();
    VoidResult started = OnLoop<proto::rpc::Spawner>(
        [link, shared_spec, shared_done](proto::rpc::Spawner::Client spawner) {
          auto request = spawner.spawnRequest();
          auto out = request.initRequest();
          out.setModule(kj::arrayPtr(shared_spec->module.data(), shared_spec->module.size()));
          auto args = out.initArgs(uint32_t(shared_spec->args.size()));
          for (uint32_t i = 0; i < args.size(); ++i) args.set(i, shared_spec->args[i]);
          auto handles = out.initHandles(uint32_t(shared_spec->handles.size()));
          for (uint32_t i = 0; i < handles.size(); ++i) {
            VoidResult exported = ExportHandle(link, shared_spec->handles[i], handles[i]);
            if (!exported.ok()) return (*shared_done)(exported.error());
          }
          shared_spec->handles.clear();  // Given up, as SpawnerOps promises.
          auto answered =
              request.send()
                  .then([link](auto&& response) -> kj::Promise<Result<HandleEntry>> {
                    VoidResult spawned = ReadOutcome(response.getOutcome());
                    if (!spawned.ok()) return Result<HandleEntry>(spawned.error());
                    return ImportHandle(link, response.getProcess());
                  })
                  .then([shared_done](
                            Result<HandleEntry> process) { (*shared_done)(std::move(process)); },
                        [link, shared_done](kj::Exception&& e) {
                          (*shared_done)(FromException(e, link->peer()));
                        });
          link->loop()->Detach(kj::mv(answered), "spawn");
        });
    if (!started.ok()) (*shared_done)(started.error());
  }
};

}  // namespace

Ref<KernelObject> NewSpawnerProxy(const std::shared_ptr<Link>& link,
                                  proto::rpc::Object::Client capability) {
  return std::make_shared<SpawnerProxy>(link, kj::mv(capability));
}

}  // namespace shoal::kernel::remote
