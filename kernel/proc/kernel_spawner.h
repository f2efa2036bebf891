// KernelSpawner: the local Spawner of one kernel (kernel/object/spawner.h).
//
// A child it starts is reaped through its process handle (Reaping::
// kWithHandle), has no parent on this node (parent pid 0) and gets a copy of
// the node's root namespace. Spawn completes before it returns.
#pragma once

#include "kernel/object/spawner.h"

namespace shoal::kernel {

class Kernel;

class KernelSpawner final : public SpawnerOps {
 public:
  // `kernel` must outlive the spawner and every handle to it.
  static Ref<KernelSpawner> Create(Kernel& kernel);

  void Spawn(SpawnSpec spec, SpawnDone done) override;

 private:
  explicit KernelSpawner(Kernel& kernel) : SpawnerOps(ObjectType::kSpawner), kernel_(kernel) {}
  Kernel& kernel_;
};

}  // namespace shoal::kernel
