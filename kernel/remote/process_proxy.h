// The process proxy's one promise beyond ProcessOps: when it knows its pid.
//
// A process handle is mostly asked for its pid and exit status, on scheduler
// workers (process_wait) that must not wait for the network, so the proxy
// answers Info() from what it fetched: the pid once at import, the exit
// status when the process's kSignaled reaches it. ImportHandle hands a new
// process proxy out only once the first answer is in, so a handle never
// shows a process whose pid is unknown.
#pragma once

#include <kj/async.h>

#include "kernel/object/object.h"

namespace shoal::kernel::remote {

// Loop thread: resolves once `proxy` (made by NewProcessProxy) has its first
// info answer, or once it knows it will get none (its link went; Info() then
// reports kPeerGone). Never rejects.
kj::Promise<void> WhenProcessProxyKnown(KernelObject& proxy);

}  // namespace shoal::kernel::remote
