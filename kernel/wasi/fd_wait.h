// FdWait: a host descriptor a parked process waits on until it is ready.
//
// A FIFO, pipe or device whose non-blocking read (events POLLIN) or write
// (POLLOUT) returned EAGAIN. The runner polls `fd` for `events` (the kernel
// on its reactor) and then retries the
// call. (An operation in flight is waited for through its IoWait instead:
// kernel/base/pending_call.h.)
#pragma once

namespace shoal::wasi {

struct FdWait {
  int fd = -1;  // -1: none.
  short events = 0;
};

}  // namespace shoal::wasi
