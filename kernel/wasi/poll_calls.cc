// poll_oneoff: waiting for clocks and descriptors without blocking a worker.
//
// A poll that has to wait records when it should wake up
// (WasiProcess::pending_poll) and the host descriptor it waits for, if any
// (WasiProcess::set_fd_wait), and yields; the runner parks the process until
// either and runs it again, which retries this call with the same arguments.
// The retry finds the recorded deadline, so relative timeouts are measured
// from the first attempt.
//
// Descriptor subscriptions: an object with nothing to wait on (a regular
// file, a console, a string stdin, a descriptor with FDFLAGS_NONBLOCK) is
// ready at once; a FIFO, device or host stdin is ready when a zero-timeout
// poll(2) of its host descriptor says so. When none is ready the process
// parks on the first one (and the earliest clock); with several waiting it
// also wakes every kRecheckNs to look at the others.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "kernel/base/clock.h"
#include "kernel/wasi/host_calls.h"

namespace shoal::wasi {
namespace {

struct Subscription {
  uint64_t userdata = 0;
  uint8_t tag = 0;
  // Clock subscriptions.
  uint32_t clock_id = 0;
  uint64_t timeout = 0;
  uint16_t flags = 0;
  // Descriptor subscriptions.
  uint32_t fd = 0;
};

struct Event {
  uint64_t userdata = 0;
  Errno error = Errno::kSuccess;
  uint8_t type = 0;
  uint64_t nbytes = 0;
  uint16_t flags = 0;  // kEventRwflagHangup.
};

// How often a poll waiting on several descriptors looks at all of them.
constexpr uint64_t kRecheckNs = 10'000'000;

// Whether a descriptor subscription is ready; if not, what to wait for.
struct FdReadiness {
  bool ready = true;
  bool hangup = false;
  FdWait wait;
};

FdReadiness CheckFd(const FileObject& object, uint8_t tag) {
  int fd = object.poll_fd();
  if (fd < 0) return {};  // Nothing to wait on: a read or write will not park.
  short events = tag == kEventFdRead ? POLLIN : POLLOUT;
  pollfd p{fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  // An error is "ready" too: the read or write that follows reports it.
  if (n != 0) return {true, (p.revents & POLLHUP) != 0, {}};
  return {false, false, FdWait{fd, events}};
}

Subscription DecodeSubscription(const uint8_t* p) {
  Subscription s;
  s.userdata = GetLe64(p);
  s.tag = p[8];
  if (s.tag == kEventClock) {
    s.clock_id = GetLe32(p + 16);
    s.timeout = GetLe64(p + 24);
    s.flags = GetLe16(p + 40);
  } else {
    s.fd = GetLe32(p + 16);
  }
  return s;
}

void EncodeEvent(uint8_t* p, const Event& e) {
  std::fill(p, p + kEventSize, 0);
  PutLe64(p, e.userdata);
  PutLe16(p + 8, uint16_t(e.error));
  p[10] = e.type;
  PutLe64(p + 16, e.nbytes);
  PutLe16(p + 24, e.flags);
}

// The monotonic deadline of a clock subscription, or nullopt for an unknown
// clock. Cputime clocks are treated as wall time: a sleeping process uses no
// CPU, so waiting on them would never end.
std::optional<uint64_t> Deadline(const Subscription& s, const PendingPoll& poll) {
  bool absolute = s.flags & kSubclockAbstime;
  switch (ClockId(s.clock_id)) {
    case ClockId::kRealtime:
      if (absolute) {
        uint64_t delta = s.timeout > poll.realtime_ns ? s.timeout - poll.realtime_ns : 0;
        return poll.start_ns + delta;
      }
      break;
    case ClockId::kMonotonic:
      if (absolute) return s.timeout;
      break;
    case ClockId::kProcessCputime:
    case ClockId::kThreadCputime:
      break;
    default:
      return std::nullopt;
  }
  uint64_t deadline = poll.start_ns + s.timeout;
  return deadline < poll.start_ns ? UINT64_MAX : deadline;  // Saturate.
}

}  // namespace

Errno PollOneoff(WasiCall& c) {
  uint32_t in = c.U32(0), out = c.U32(1), count = c.U32(2), nevents_ptr = c.U32(3);
  if (count == 0) return Errno::kInval;
  auto in_bytes = c.memory.Bytes(in, uint64_t(count) * kSubscriptionSize);
  auto out_bytes = c.memory.Bytes(out, uint64_t(count) * kEventSize);
  if (!in_bytes || !out_bytes || !c.memory.Bytes(nevents_ptr, 4)) return Errno::kFault;

  std::optional<PendingPoll>& pending = c.process.pending_poll();
  uint64_t now = MonotonicNow();
  PendingPoll poll = pending ? *pending : PendingPoll{now, RealtimeNow(), UINT64_MAX};

  std::vector<Event> ready;
  std::vector<Subscription> subs;
  for (uint32_t i = 0; i < count; ++i) {
    subs.push_back(DecodeSubscription(in_bytes->data() + uint64_t(i) * kSubscriptionSize));
  }
  uint64_t wake = UINT64_MAX;
  std::optional<FdWait> waiting;  // The first descriptor not ready.
  size_t not_ready = 0;
  for (const Subscription& s : subs) {
    Event e{s.userdata, Errno::kSuccess, s.tag, 0};
    if (s.tag == kEventClock) {
      std::optional<uint64_t> deadline = Deadline(s, poll);
      if (!deadline) {
        e.error = Errno::kInval;
        ready.push_back(e);
      } else if (*deadline <= now) {
        ready.push_back(e);
      } else {
        wake = std::min(wake, *deadline);
      }
    } else if (s.tag == kEventFdRead || s.tag == kEventFdWrite) {
      auto d = c.process.fds().Get(s.fd, kRightPollFdReadwrite);
      if (!d.ok()) {
        e.error = d.error();
        ready.push_back(e);
        continue;
      }
      FdReadiness r = CheckFd(*d.value()->object, s.tag);
      if (r.ready) {
        if (r.hangup) e.flags = kEventRwflagHangup;
        ready.push_back(e);
      } else {
        if (!waiting) waiting = r.wait;
        ++not_ready;
      }
    } else {
      e.error = Errno::kInval;
      ready.push_back(e);
    }
  }

  if (ready.empty()) {
    // Park until the earliest clock or the first waiting descriptor.
    if (not_ready > 1) wake = std::min(wake, now + kRecheckNs);
    poll.wake_ns = wake;
    pending = poll;
    if (waiting) c.process.set_fd_wait(*waiting);
    c.action = vm::HostAction::kYield;
    return Errno::kSuccess;
  }
  pending.reset();
  for (size_t i = 0; i < ready.size(); ++i) {
    EncodeEvent(out_bytes->data() + i * kEventSize, ready[i]);
  }
  return c.memory.Store32(nevents_ptr, uint32_t(ready.size()));
}

}  // namespace shoal::wasi
