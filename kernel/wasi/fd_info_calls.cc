// fd_* calls that read or change metadata: fdstat, filestat, prestat and
// directory listings. Stats, truncations and listings reach the kernel
// object, so they park while it answers (ParkOnPending).
#include <algorithm>

#include "kernel/wasi/host_calls.h"
#include "kernel/wasi/host_directory.h"

namespace shoal::wasi {

Errno StoreFileStat(const GuestMemory& memory, uint64_t addr, const FileStat& st) {
  uint8_t buf[kFilestatSize] = {};
  PutLe64(buf + 0, st.dev);
  PutLe64(buf + 8, st.ino);
  buf[16] = uint8_t(st.type);
  PutLe64(buf + 24, st.nlink);
  PutLe64(buf + 32, st.size);
  PutLe64(buf + 40, st.atim_ns);
  PutLe64(buf + 48, st.mtim_ns);
  PutLe64(buf + 56, st.ctim_ns);
  return memory.Write(addr, buf);
}

Errno FdFdstatGet(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0)));
  uint8_t buf[kFdstatSize] = {};
  buf[0] = uint8_t(d->object->type());
  PutLe16(buf + 2, d->object->flags());
  PutLe64(buf + 8, d->rights_base);
  PutLe64(buf + 16, d->rights_inheriting);
  return c.memory.Write(c.U32(1), buf);
}

Errno FdFdstatSetFlags(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdFdstatSetFlags));
  return d->object->SetFlags(uint16_t(c.U32(1)));
}

// Rights may only shrink.
Errno FdFdstatSetRights(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0)));
  Rights base = c.U64(1), inheriting = c.U64(2);
  if ((base & ~d->rights_base) != 0 || (inheriting & ~d->rights_inheriting) != 0) {
    return Errno::kNotcapable;
  }
  d->rights_base = base;
  d->rights_inheriting = inheriting;
  return Errno::kSuccess;
}

Errno FdFilestatGet(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdFilestatGet));
  FileStat st = TRY(OrPark(c, d->object->Stat(c.process.pending_call())));
  return StoreFileStat(c.memory, c.U32(1), st);
}

Errno FdFilestatSetSize(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdFilestatSetSize));
  return ParkOnPending(c, d->object->SetSize(c.process.pending_call(), c.U64(1)));
}

Errno FdFilestatSetTimes(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdFilestatSetTimes));
  return d->object->SetTimes(c.U64(1), c.U64(2), uint16_t(c.U32(3)));
}

Errno FdPrestatGet(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0)));
  if (d->preopen_name.empty()) return Errno::kBadf;
  uint8_t buf[kPrestatSize] = {};
  buf[0] = 0;  // The only prestat kind: a directory.
  PutLe32(buf + 4, uint32_t(d->preopen_name.size()));
  return c.memory.Write(c.U32(1), buf);
}

Errno FdPrestatDirName(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0)));
  if (d->preopen_name.empty()) return Errno::kBadf;
  const std::string& name = d->preopen_name;
  if (c.U32(2) < name.size()) return Errno::kNametoolong;
  return c.memory.Write(c.U32(1), {reinterpret_cast<const uint8_t*>(name.data()), name.size()});
}

// Fills the buffer with dirents from index `cookie` on; the last one may be
// cut short, which tells the guest (bufused == buf_len) to call again with a
// larger buffer or the next cookie.
Errno FdReaddir(WasiCall& c) {
  Descriptor* d = TRY(c.process.fds().Get(c.U32(0), kRightFdReaddir));
  HostDirectory* dir = d->object->AsDirectory();
  if (dir == nullptr) return Errno::kNotdir;
  uint32_t buf_addr = c.U32(1), buf_len = c.U32(2), used_ptr = c.U32(4);
  uint64_t cookie = c.U64(3);
  auto out = c.memory.Bytes(buf_addr, buf_len);
  if (!out || !c.memory.Bytes(used_ptr, 4)) return Errno::kFault;
  const std::vector<DirEntry>* entries =
      TRY(OrPark(c, dir->Entries(c.process.pending_call(), cookie == 0)));

  uint64_t used = 0;
  for (uint64_t i = cookie; i < entries->size() && used < buf_len; ++i) {
    const DirEntry& e = (*entries)[i];
    uint8_t header[kDirentSize] = {};
    PutLe64(header, i + 1);
    PutLe64(header + 8, e.ino);
    PutLe32(header + 16, uint32_t(e.name.size()));
    header[20] = uint8_t(e.type);
    size_t n = std::min<uint64_t>(kDirentSize, buf_len - used);
    std::copy(header, header + n, out->data() + used);
    used += n;
    n = std::min<uint64_t>(e.name.size(), buf_len - used);
    std::copy(e.name.data(), e.name.data() + n, out->data() + used);
    used += n;
  }
  return c.memory.Store32(used_ptr, uint32_t(used));
}

}  // namespace shoal::wasi
