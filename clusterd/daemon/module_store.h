// ModuleStore: the modules this node has seen move (sent away, received,
// restored), by SHA-256, so that a move carries a module's bytes only to a
// node that lacks them (Node.migrateIn's moduleSha256; docs/migration.md).
// Bounded by bytes: the least recently used module goes first.
//
// Threading: safe from any thread.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <vector>

#include "kernel/base/thread_annotations.h"
#include "kernel/proc/process_image.h"

namespace shoal::clusterd {

class ModuleStore {
 public:
  using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

  explicit ModuleStore(size_t max_bytes = size_t{64} << 20) : max_bytes_(max_bytes) {}

  // Keeps `bytes`, whose SHA-256 the caller has checked is `hash`. A module
  // larger than the whole bound is not kept.
  void Add(const kernel::Sha256& hash, Bytes bytes);
  // The module with that hash, or null.
  Bytes Find(const kernel::Sha256& hash);

  size_t bytes() const;

 private:
  struct Kept {
    Bytes bytes;
    std::list<kernel::Sha256>::iterator use;  // In uses_.
  };

  const size_t max_bytes_;
  mutable Mutex mu_;
  std::map<kernel::Sha256, Kept> kept_ GUARDED_BY(mu_);
  std::list<kernel::Sha256> uses_ GUARDED_BY(mu_);  // Most recent first.
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace shoal::clusterd
