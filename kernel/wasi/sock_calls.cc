// sock_* calls. Shoal hands a process no socket descriptor (networking goes
// through kernel objects, not preview1 sockets), so every live descriptor
// answers ENOTSOCK; a descriptor that names nothing is EBADF first, as for
// every fd_* call.
#include "kernel/wasi/host_calls.h"

namespace shoal::wasi {

Errno SockShutdown(WasiCall& c) {
  TRY(c.process.fds().Get(c.U32(0)));
  return Errno::kNotsock;
}

}  // namespace shoal::wasi
