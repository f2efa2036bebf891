// Objects a process image carries by value (docs/migration.md, "How each
// object type migrates"): a timer, port or channel end that only the
// process can reach travels as its state, not as a capability to an object
// left on its node, so the process stops depending on that node for it.
//
// An object moves by value when it is a local Timer, Port or Channel,
// exactly one handle of the process holds it and nothing else does, and
// whatever watches it is a port moving by value too. A port also needs
// every object it watches to be named by a handle of the process, so that
// the watches can be made again on the other side; a channel end needs its
// peer to be gone or to move by value with it, and no queued message with
// handles. Anything else stays a live object (HandleOrigin::kObject).
//
// Threading: called by Capture and Kernel::Prepare while the process is
// frozen or not yet started, MakeWatches by the restored process's first
// step; the objects themselves are thread-safe.
#pragma once

#include <span>
#include <unordered_map>
#include <vector>

#include "kernel/base/clock.h"
#include "kernel/base/result.h"
#include "kernel/base/timer_service.h"
#include "kernel/object/handle_table.h"
#include "kernel/object/port.h"
#include "kernel/proc/process_image.h"

namespace shoal::kernel {

// The value of every object of `records` (a frozen process's table
// Snapshot, which holds one reference per handle besides the table's own)
// that moves by value, keyed by the object; its handle's image takes
// origin kTimer or kPort and the value. Timers are read at `now`.
std::unordered_map<const KernelObject*, HandleImage> CaptureObjectsByValue(
    std::span<const HandleRecord> records, MonotonicNs now);

// New local objects for the handles of `handles` moved by value (origins
// kTimer, kPort, kChannel), by handle value: timers rebased on `now`,
// channel ends paired again with their queues. The ports' watches wait for
// WatchesAgain and MakeWatches. kInvalidArgs for a channel end the image
// does not pair.
Result<std::unordered_map<HandleValue, Ref<KernelObject>>> RestoreObjectsByValue(
    std::span<const HandleImage> handles, TimerService& timers, MonotonicNs now);

// A watch of a port moved by value, to be made again on its new node.
struct PortWatchAgain {
  Ref<PortOps> port;
  Ref<KernelObject> object;
  Signals signals = Signals::kNone;
  uint64_t key = 0;
};
// The watches of every port of `handles` moved by value, on the objects
// `table` now holds. kInvalidArgs when a watch names no handle. They are
// made (MakeWatches) only once the process may have effects: a watch of a
// proxy starts it fetching ahead, and what it fetched would be lost with a
// destination that dies before the move is durable.
Result<std::vector<PortWatchAgain>> WatchesAgain(std::span<const HandleImage> handles,
                                                 const HandleTable& table);
VoidResult MakeWatches(std::span<const PortWatchAgain> watches);

}  // namespace shoal::kernel
