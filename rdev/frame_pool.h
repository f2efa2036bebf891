// FramePool: the frame buffers one capture thread reuses, so a frame costs no
// allocation and no page faults. Sessions share a frame's bytes
// (CameraFrameBytes) and drop them as they read it; a buffer that only the
// pool still holds is free to be filled again.
//
// Threading: one thread takes buffers (the capture thread); readers anywhere
// drop their references.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace shoal::rdev {

class FramePool {
 public:
  // `keep`: buffers remembered for reuse; when readers hold more, the
  // oldest is forgotten (it is freed once its last reader drops it).
  explicit FramePool(size_t keep) : keep_(keep) {}

  // A buffer of exactly `bytes` that no reader holds: a free one of that
  // size, or a new one. Its contents are whatever the last frame left.
  std::shared_ptr<std::vector<uint8_t>> Take(size_t bytes);

 private:
  const size_t keep_;
  std::vector<std::shared_ptr<std::vector<uint8_t>>> buffers_;
};

}  // namespace shoal::rdev
