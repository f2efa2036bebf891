#include "kernel/remote/link.h"

namespace shoal::kernel::remote {

Error Link::GoneError() const {
  MutexLock lock(&mu_);
  std::string who = peer_.empty() ? "the peer" : "node " + peer_;
  return MakeError(Status::kPeerGone, who + " is gone" + (reason_.empty() ? "" : ": " + reason_));
}

uint64_t Link::OnGone(std::function<void()> listener) {
  if (gone()) {
    listener();
    return 0;
  }
  uint64_t key = next_key_++;
  listeners_.emplace(key, std::move(listener));
  return key;
}

void Link::Forget(uint64_t key) { listeners_.erase(key); }

void Link::MarkGone(std::string reason) {
  {
    MutexLock lock(&mu_);
    if (gone_.load()) return;
    reason_ = std::move(reason);
    gone_.store(true, std::memory_order_release);
  }
  std::map<uint64_t, std::function<void()>> listeners;
  listeners.swap(listeners_);
  for (auto& [key, listener] : listeners) listener();
}

}  // namespace shoal::kernel::remote
