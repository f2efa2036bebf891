#include "clusterd/daemon/module_store.h"

namespace shoal::clusterd {

void ModuleStore::Add(const kernel::Sha256& hash, Bytes bytes) {
  if (bytes == nullptr || bytes->size() > max_bytes_) return;
  MutexLock lock(&mu_);
  if (auto it = kept_.find(hash); it != kept_.end()) {
    uses_.splice(uses_.begin(), uses_, it->second.use);
    return;
  }
  bytes_ += bytes->size();
  uses_.push_front(hash);
  kept_.emplace(hash, Kept{std::move(bytes), uses_.begin()});
  while (bytes_ > max_bytes_) {
    auto oldest = kept_.find(uses_.back());
    bytes_ -= oldest->second.bytes->size();
    kept_.erase(oldest);
    uses_.pop_back();
  }
}

ModuleStore::Bytes ModuleStore::Find(const kernel::Sha256& hash) {
  MutexLock lock(&mu_);
  auto it = kept_.find(hash);
  if (it == kept_.end()) return nullptr;
  uses_.splice(uses_.begin(), uses_, it->second.use);
  return it->second.bytes;
}

size_t ModuleStore::bytes() const {
  MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace shoal::clusterd
