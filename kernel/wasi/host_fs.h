// Small helpers shared by the host-backed file objects: an owned host
// descriptor and the translation of host stat data to WASI's.
#pragma once

#include <sys/stat.h>

#include <array>
#include <utility>

#include "kernel/base/unique_fd.h"
#include "kernel/object/file.h"
#include "kernel/wasi/file_object.h"

namespace shoal::wasi {

// UniqueFd (kernel/base/unique_fd.h) is shoal::UniqueFd, visible here unqualified.

Filetype FiletypeFromMode(mode_t mode);
FileStat FileStatFromAttr(const kernel::FileAttr& attr);

// The utimensat() times for WASI filestat_set_times arguments; kInval when
// a time is both given and "now".
ErrnoOr<std::array<timespec, 2>> FileTimes(uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags);

// futimens() on an fd opened for IO.
Errno SetFdTimes(int fd, uint64_t atim_ns, uint64_t mtim_ns, uint16_t fstflags);

// fstat() as a FileStat.
ErrnoOr<FileStat> StatFd(int fd);

}  // namespace shoal::wasi
