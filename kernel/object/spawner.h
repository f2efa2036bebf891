// Spawner: the power to start processes on one node, as a kernel object.
//
// A guest that holds a Spawner handle starts children on the node behind it:
// its own node (the kernel's local spawner, kernel/proc/kernel_spawner.h) or
// another one through a proxy. shoald binds every node's spawner at
// /nodes/NAME in the namespace, so the kernel never learns of the daemon or
// of other nodes: a remote spawner is one more object behind a handle
// (ARCHITECTURE.md, invariant 3).
//
// Rights: Spawn needs kManage. Signals: none.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

// What a spawner starts: the module's bytes, its arguments (args[0] is the
// program name) and its startup handles, in order.
struct SpawnSpec {
  std::vector<uint8_t> module;
  std::vector<std::string> args;
  std::vector<HandleEntry> handles;
};

class SpawnerOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kSpawner;

  // Receives a handle entry for the new process (kWait, kManage, kDuplicate,
  // kTransfer), or why it could not start.
  using SpawnDone = std::function<void(Result<HandleEntry> process)>;

  // Starts a process from `spec` and calls `done` exactly once, possibly
  // before returning, else on another thread. The child has an empty
  // environment, no preopens, a copy of its node's namespace, and its own
  // consoles on its node. `spec.handles` are given up whatever the outcome:
  // on a failure they are dropped (a channel end the child would have held
  // then reads as peer-closed).
  virtual void Spawn(SpawnSpec spec, SpawnDone done) = 0;

 protected:
  using KernelObject::KernelObject;
};

}  // namespace shoal::kernel
