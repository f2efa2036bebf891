// Cluster-wide process ids.
//
// A pid is allocated once, by the node that spawns the process, and stays
// the process's id for life wherever it later runs. It is
//   pid = sequence << kNodeIdBits | node_id
// where node_id (1..kMaxNodeId, unique in the cluster, from the config) is
// the allocating node's, the process's "home", and sequence counts up from
// 1 per node and is never reused, across daemon restarts too: PidAllocator
// persists a reservation in the data directory before handing out pids.
// The first pid of node 1 is 4097.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd {

inline constexpr int kNodeIdBits = 12;
inline constexpr uint32_t kMaxNodeId = (1u << kNodeIdBits) - 1;

// The node id in a pid's low bits: the node that allocated it.
inline uint32_t HomeNodeOf(uint64_t pid) { return uint32_t(pid & kMaxNodeId); }

class PidAllocator {
 public:
  // Reads (or starts) the reservation file `dir`/pid-sequence. Errors:
  // kInvalidArgs for a node id out of range, kIoError when the file cannot
  // be read or written.
  static Result<std::unique_ptr<PidAllocator>> Create(uint32_t node_id, std::filesystem::path dir);

  // A pid never handed out before by this node. kIoError when a new
  // reservation cannot be persisted (then no pid is handed out).
  Result<uint64_t> Next();

 private:
  PidAllocator(uint32_t node_id, std::filesystem::path file, uint64_t next)
      : node_id_(node_id), file_(std::move(file)), next_(next), reserved_(next) {}
  VoidResult PersistLocked(uint64_t reserved) REQUIRES(mu_);

  const uint32_t node_id_;
  const std::filesystem::path file_;
  Mutex mu_;
  uint64_t next_ GUARDED_BY(mu_);      // The next sequence number.
  uint64_t reserved_ GUARDED_BY(mu_);  // Sequences below this are on disk.
};

}  // namespace shoal::clusterd
