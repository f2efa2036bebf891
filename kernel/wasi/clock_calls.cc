// clock_* and random_get.
#include <sys/random.h>
#include <time.h>

#include <cerrno>

#include "kernel/wasi/host_calls.h"

namespace shoal::wasi {
namespace {

ErrnoOr<clockid_t> HostClock(uint32_t id) {
  switch (ClockId(id)) {
    case ClockId::kRealtime:
      return CLOCK_REALTIME;
    case ClockId::kMonotonic:
      return CLOCK_MONOTONIC;
    case ClockId::kProcessCputime:
      return CLOCK_PROCESS_CPUTIME_ID;
    case ClockId::kThreadCputime:
      return CLOCK_THREAD_CPUTIME_ID;
  }
  return Errno::kInval;
}

uint64_t Nanos(const timespec& ts) {
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

}  // namespace

Errno ClockResGet(WasiCall& c) {
  clockid_t clock = TRY(HostClock(c.U32(0)));
  timespec ts;
  if (clock_getres(clock, &ts) != 0) return LastHostErrno();
  return c.memory.Store64(c.U32(1), Nanos(ts));
}

Errno ClockTimeGet(WasiCall& c) {
  // The precision argument (U64(1)) is a hint; the host clock is as precise
  // as it gets anyway.
  clockid_t clock = TRY(HostClock(c.U32(0)));
  timespec ts;
  if (clock_gettime(clock, &ts) != 0) return LastHostErrno();
  return c.memory.Store64(c.U32(2), Nanos(ts));
}

Errno RandomGet(WasiCall& c) {
  auto buf = c.memory.Bytes(c.U32(0), c.U32(1));
  if (!buf) return Errno::kFault;
  size_t done = 0;
  while (done < buf->size()) {
    ssize_t n = getrandom(buf->data() + done, buf->size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastHostErrno();
    }
    done += size_t(n);
  }
  return Errno::kSuccess;
}

}  // namespace shoal::wasi
