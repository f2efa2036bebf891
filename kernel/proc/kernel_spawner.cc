#include "kernel/proc/kernel_spawner.h"

#include "kernel/proc/kernel.h"

namespace shoal::kernel {

Ref<KernelSpawner> KernelSpawner::Create(Kernel& kernel) {
  return Ref<KernelSpawner>(new KernelSpawner(kernel));
}

void KernelSpawner::Spawn(SpawnSpec spec, SpawnDone done) {
  SpawnRequest request;
  request.module_bytes = std::move(spec.module);
  request.args = std::move(spec.args);
  if (request.args.empty()) request.args.push_back("child");
  request.handles = std::move(spec.handles);
  request.reaping = Reaping::kWithHandle;
  Result<SpawnResult> spawned = kernel_.Spawn(std::move(request));
  if (!spawned.ok()) return done(std::move(spawned).error());
  done(HandleEntry{std::move(spawned->object), DefaultRights(ObjectType::kProcess)});
}

}  // namespace shoal::kernel
