// How WASI rights and kernel handle rights bound each other.
//
// A WASI descriptor is a view of a handle (descriptor_table.h), so its WASI
// rights can never exceed what the handle allows. Every WASI right falls in
// one of three classes:
//   read    fd_read, fd_readdir, path_open, path_readlink,
//           path_filestat_get, path_link_source: need kRead;
//   write   fd_write, fd_sync, fd_datasync, fd_allocate, set_size and
//           set_times, and every path call that changes a directory:
//           need kWrite;
//   either  seek, tell, advise, fd_filestat_get, fdstat_set_flags,
//           poll, sock_*: need kRead or kWrite.
#pragma once

#include "kernel/object/rights.h"
#include "kernel/wasi/wasi_abi.h"

namespace shoal::wasi {

// The WASI rights a descriptor over a handle with `rights` may hold.
Rights WasiRightsAllowedBy(kernel::Rights rights);

// The rights of the handle made for a new descriptor with WASI rights `base`
// and `inheriting`: kRead if either holds a read-class right, kWrite if
// either holds a write-class right (a directory hands its inheriting rights
// down to what is opened beneath it), plus duplicate, transfer and wait.
kernel::Rights HandleRightsFor(Rights base, Rights inheriting);

}  // namespace shoal::wasi
