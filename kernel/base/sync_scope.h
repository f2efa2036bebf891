// SyncScope: what a sync makes durable, from the guest's fd_sync and
// fd_datasync down to the reactor's fsync.
#pragma once

#include <cstdint>

namespace shoal {

// kAll: fsync, data and metadata. kDataOnly: fdatasync, the data and only
// the metadata needed to read it back.
enum class SyncScope : uint8_t { kAll, kDataOnly };

}  // namespace shoal
