// IoWait: an asynchronous operation that a parked process waits for.
//
// A WASI host call that started a file read on the kernel's reactor returns
// kAgain and leaves its IoWait with the process (WasiProcess::set_io_wait);
// the runner parks the process and registers a waker with OnDone(); the
// completion calls Complete(), which runs the waker; the retried call then
// finds the result. Thread-safe: Complete() runs on the reactor thread.
#pragma once

#include <functional>
#include <mutex>

namespace shoal::wasi {

// A host descriptor a parked process waits on until it is ready: a FIFO,
// pipe or device whose non-blocking read (events POLLIN) or write (POLLOUT)
// returned EAGAIN. The runner polls `fd` for `events` (the kernel on its
// reactor, the standalone runner with poll(2)) and then retries the call.
struct FdWait {
  int fd = -1;  // -1: none.
  short events = 0;
};

class IoWait {
 public:
  // Marks the operation done and runs the waker, if one is registered, once.
  void Complete();
  // Runs `wake` once the operation is done: at once, on this thread, if it is
  // done already. A later call replaces an earlier waker that has not run.
  void OnDone(std::function<void()> wake);
  bool done() const;

 private:
  mutable std::mutex mu_;
  bool done_ = false;           // Guarded by mu_.
  std::function<void()> wake_;  // Guarded by mu_.
};

}  // namespace shoal::wasi
