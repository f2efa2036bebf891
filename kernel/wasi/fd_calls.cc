// fd_* calls that move data or descriptors.
#include <poll.h>

#include "kernel/wasi/host_calls.h"

namespace shoal::wasi {
namespace {

// After a read or write on `object` returned kAgain: parks the process
// (kYield) on what it waits for, its operation in flight or else its
// descriptor becoming ready for `events` (POLLIN for reads, POLLOUT for
// writes), and returns true; the call is retried after the wake-up. False
// when there is nothing to wait on: kAgain is then the guest's answer
// (FDFLAGS_NONBLOCK).
bool ParkOnAgain(WasiCall& c, FileObject& object, short events) {
  if (ParkOnPending(c, Errno::kAgain) == Errno::kSuccess) return true;
  int fd = object.poll_fd();
  if (fd < 0) return false;
  c.process.set_fd_wait(FdWait{fd, events});
  c.action = vm::HostAction::kYield;
  return true;
}

// Reads into each buffer in turn, stopping at a short read. A read that
// would wait parks the process if nothing was read yet.
Errno ReadVectored(WasiCall& c, FileObject& object, std::optional<uint64_t> offset, uint32_t iovs,
                   uint32_t count, uint32_t result_ptr) {
  std::vector<GuestBuffer> buffers = TRY(c.memory.Iovecs(iovs, count));
  if (!c.memory.Bytes(result_ptr, 4)) return Errno::kFault;
  uint64_t total = 0;
  for (GuestBuffer buf : buffers) {
    if (buf.empty()) continue;
    PendingCall& call = c.process.pending_call();
    auto n = offset ? object.Pread(call, buf, *offset + total) : object.Read(call, buf);
    if (!n.ok()) {
      if (n.error() == Errno::kAgain && total == 0 && ParkOnAgain(c, object, POLLIN)) {
        return Errno::kSuccess;
      }
      // Report what was read; the error comes next time (a read in flight
      // stays there, for the guest's next call to collect).
      if (total > 0) {
        (void)call.TakeWait();
        break;
      }
      return n.error();
    }
    total += n.value();
    if (n.value() < buf.size()) break;
  }
  return c.memory.Store32(result_ptr, uint32_t(total));
}

// Writes each buffer in turn, stopping at a short write (its count is the
// answer, as POSIX gives it). A write that would wait parks the process if
// nothing was written yet.
Errno WriteVectored(WasiCall& c, FileObject& object, std::optional<uint64_t> offset, uint32_t iovs,
                    uint32_t count, uint32_t result_ptr) {
  std::vector<GuestBuffer> buffers = TRY(c.memory.Iovecs(iovs, count));
  if (!c.memory.Bytes(result_ptr, 4)) return Errno::kFault;
  uint64_t total = 0;
  for (GuestBuffer buf : buffers) {
    if (buf.empty()) continue;
    PendingCall& call = c.process.pending_call();
    auto n = offset ? object.Pwrite(call, buf, *offset + total) : object.Write(call, buf);
    if (!n.ok()) {
      if (n.error() == Errno::kAgain && total == 0 && ParkOnAgain(c, object, POLLOUT)) {
        return Errno::kSuccess;
      }
      if (total > 0) {
        (void)call.TakeWait();
        break;
      }
      return n.error();
    }
    total += n.value();
    if (n.value() < buf.size()) break;
  }
  return c.memory.Store32(result_ptr, uint32_t(total));
}

// fd_sync and fd_datasync: a file's sync runs on the reactor while the
// process is parked.
Errno SyncDescriptor(WasiCall& c, Rights right, SyncScope scope) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), right));
  return ParkOnPending(c, d->object->Sync(c.process.pending_call(), scope));
}

}  // namespace

Errno ParkOnPending(WasiCall& c, Errno e) {
  if (e != Errno::kAgain) return e;
  std::shared_ptr<IoWait> wait = c.process.pending_call().TakeWait();
  if (!wait) return e;
  c.process.set_io_wait(std::move(wait));
  c.action = vm::HostAction::kYield;
  return Errno::kSuccess;
}

Errno FdRead(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdRead));
  return ReadVectored(c, *d->object, std::nullopt, c.U32(1), c.U32(2), c.U32(3));
}

Errno FdWrite(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdWrite));
  return WriteVectored(c, *d->object, std::nullopt, c.U32(1), c.U32(2), c.U32(3));
}

Errno FdPread(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdRead | kRightFdSeek));
  return ReadVectored(c, *d->object, c.U64(3), c.U32(1), c.U32(2), c.U32(4));
}

Errno FdPwrite(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdWrite | kRightFdSeek));
  return WriteVectored(c, *d->object, c.U64(3), c.U32(1), c.U32(2), c.U32(4));
}

Errno FdSeek(WasiCall& c) {
  uint8_t whence = uint8_t(c.U32(2));
  int64_t offset = int64_t(c.U64(1));
  // A pure "where am I" needs only the tell right.
  Rights needed = (whence == uint8_t(Whence::kCur) && offset == 0) ? kRightFdTell : kRightFdSeek;
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), needed));
  if (c.U32(2) > uint32_t(Whence::kEnd)) return Errno::kInval;
  if (!c.memory.Bytes(c.U32(3), 8)) return Errno::kFault;
  uint64_t pos = TRY(OrPark(c, d->object->Seek(c.process.pending_call(), offset, Whence(whence))));
  return c.memory.Store64(c.U32(3), pos);
}

Errno FdTell(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdTell));
  if (!c.memory.Bytes(c.U32(1), 8)) return Errno::kFault;
  uint64_t pos = TRY(OrPark(c, d->object->Seek(c.process.pending_call(), 0, Whence::kCur)));
  return c.memory.Store64(c.U32(1), pos);
}

Errno FdClose(WasiCall& c) { return c.process.fds().Close(c.U32(0)); }

Errno FdRenumber(WasiCall& c) { return c.process.fds().Renumber(c.U32(0), c.U32(1)); }

Errno FdSync(WasiCall& c) { return SyncDescriptor(c, kRightFdSync, SyncScope::kAll); }

Errno FdDatasync(WasiCall& c) { return SyncDescriptor(c, kRightFdDatasync, SyncScope::kDataOnly); }

// Advice is only a hint; accepting it without acting is always correct.
Errno FdAdvise(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdAdvise));
  if (c.U32(3) > 5) return Errno::kInval;
  return d->object->type() == Filetype::kDirectory ? Errno::kBadf : Errno::kSuccess;
}

Errno FdAllocate(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdAllocate));
  return d->object->Allocate(c.U64(1), c.U64(2));
}

}  // namespace shoal::wasi
