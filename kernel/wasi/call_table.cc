// The table of WASI functions Shoal implements.
#include <algorithm>

#include "kernel/wasi/host_calls.h"

namespace shoal::wasi {
namespace {

// Sorted by name (checked by a test) so lookup is a binary search.
constexpr WasiFunctionSpec kFunctions[] = {
    {"args_get", "ii", true, ArgsGet},
    {"args_sizes_get", "ii", true, ArgsSizesGet},
    {"clock_res_get", "ii", true, ClockResGet},
    {"clock_time_get", "iIi", true, ClockTimeGet},
    {"environ_get", "ii", true, EnvironGet},
    {"environ_sizes_get", "ii", true, EnvironSizesGet},
    {"fd_advise", "iIIi", true, FdAdvise},
    {"fd_allocate", "iII", true, FdAllocate},
    {"fd_close", "i", true, FdClose},
    {"fd_datasync", "i", true, FdDatasync},
    {"fd_fdstat_get", "ii", true, FdFdstatGet},
    {"fd_fdstat_set_flags", "ii", true, FdFdstatSetFlags},
    {"fd_fdstat_set_rights", "iII", true, FdFdstatSetRights},
    {"fd_filestat_get", "ii", true, FdFilestatGet},
    {"fd_filestat_set_size", "iI", true, FdFilestatSetSize},
    {"fd_filestat_set_times", "iIIi", true, FdFilestatSetTimes},
    {"fd_pread", "iiiIi", true, FdPread},
    {"fd_prestat_dir_name", "iii", true, FdPrestatDirName},
    {"fd_prestat_get", "ii", true, FdPrestatGet},
    {"fd_pwrite", "iiiIi", true, FdPwrite},
    {"fd_read", "iiii", true, FdRead},
    {"fd_readdir", "iiiIi", true, FdReaddir},
    {"fd_renumber", "ii", true, FdRenumber},
    {"fd_seek", "iIii", true, FdSeek},
    {"fd_sync", "i", true, FdSync},
    {"fd_tell", "ii", true, FdTell},
    {"fd_write", "iiii", true, FdWrite},
    {"path_create_directory", "iii", true, PathCreateDirectory},
    {"path_filestat_get", "iiiii", true, PathFilestatGet},
    {"path_filestat_set_times", "iiiiIIi", true, PathFilestatSetTimes},
    {"path_link", "iiiiiii", true, PathLink},
    {"path_open", "iiiiiIIii", true, PathOpen},
    {"path_readlink", "iiiiii", true, PathReadlink},
    {"path_remove_directory", "iii", true, PathRemoveDirectory},
    {"path_rename", "iiiiii", true, PathRename},
    {"path_symlink", "iiiii", true, PathSymlink},
    {"path_unlink_file", "iii", true, PathUnlinkFile},
    {"poll_oneoff", "iiii", true, PollOneoff},
    {"proc_exit", "i", false, ProcExit},
    {"proc_raise", "i", true, ProcRaise},
    {"random_get", "ii", true, RandomGet},
    {"sched_yield", "", true, SchedYield},
    {"sock_shutdown", "ii", true, SockShutdown},
};

}  // namespace

std::span<const WasiFunctionSpec> WasiFunctions() { return kFunctions; }

const WasiFunctionSpec* FindWasiFunction(std::string_view name) {
  auto it =
      std::lower_bound(std::begin(kFunctions), std::end(kFunctions), name,
                       [](const WasiFunctionSpec& s, std::string_view n) { return s.name < n; });
  if (it == std::end(kFunctions) || it->name != name) return nullptr;
  return &*it;
}

}  // namespace shoal::wasi
