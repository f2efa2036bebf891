// The audio proxy's one promise beyond AudioOps: when it knows its direction.
//
// AudioOps::direction() answers without asking (the host calls check rights
// with it before they call), so the proxy fetches the session's info once at
// import, and ImportHandle hands a new audio proxy out only once that answer
// is in.
#pragma once

#include <kj/async.h>

#include "kernel/object/object.h"

namespace shoal::kernel::remote {

// Loop thread: resolves once `proxy` (made by NewAudioProxy) has its first
// info answer, or once it knows it will get none (the call failed; its
// operations then report why). Never rejects.
kj::Promise<void> WhenAudioProxyKnown(KernelObject& proxy);

}  // namespace shoal::kernel::remote
