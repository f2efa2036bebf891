#include "clusterd/daemon/pid.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "clusterd/daemon/durable_file.h"

namespace shoal::clusterd {
namespace {

// Sequences reserved per write: one small fsync'd write per this many spawns.
constexpr uint64_t kReserveBlock = 1024;

}  // namespace

Result<std::unique_ptr<PidAllocator>> PidAllocator::Create(uint32_t node_id,
                                                           std::filesystem::path dir) {
  if (node_id == 0 || node_id > kMaxNodeId) {
    return MakeError(Status::kInvalidArgs, "node_id must be in 1.." + std::to_string(kMaxNodeId));
  }
  std::filesystem::path file = dir / "pid-sequence";
  uint64_t next = 1;
  std::ifstream in(file);
  if (in) {
    // The file holds the end of the last reservation: start after it, so a
    // pid handed out before a crash is never handed out again.
    if (!(in >> next) || next == 0) {
      return MakeError(Status::kIoError, "cannot parse " + file.string());
    }
  }
  return std::unique_ptr<PidAllocator>(new PidAllocator(node_id, std::move(file), next));
}

VoidResult PidAllocator::PersistLocked(uint64_t reserved) {
  return ReplaceFile(file_, std::to_string(reserved) + "\n");
}

Result<uint64_t> PidAllocator::Next() {
  MutexLock lock(&mu_);
  if (next_ >= reserved_) {
    TRY(PersistLocked(next_ + kReserveBlock));
    reserved_ = next_ + kReserveBlock;
  }
  uint64_t seq = next_++;
  return seq << kNodeIdBits | node_id_;
}

}  // namespace shoal::clusterd
