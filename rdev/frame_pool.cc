#include "rdev/frame_pool.h"

#include <atomic>

namespace shoal::rdev {

std::shared_ptr<std::vector<uint8_t>> FramePool::Take(size_t bytes) {
  for (auto& buffer : buffers_) {
    // use_count() == 1 stays so: only the pool holds it, and only this
    // thread copies from the pool. The fence orders the last reader's use
    // of the bytes (its release of the reference) before our writes.
    if (buffer.use_count() == 1 && buffer->size() == bytes) {
      std::atomic_thread_fence(std::memory_order_acquire);
      return buffer;
    }
  }
  auto buffer = std::make_shared<std::vector<uint8_t>>(bytes);
  if (buffers_.size() >= keep_) buffers_.erase(buffers_.begin());
  buffers_.push_back(buffer);
  return buffer;
}

}  // namespace shoal::rdev
