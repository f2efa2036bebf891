#include "clusterd/daemon/mount_provider.h"

#include <vector>

#include "kernel/base/thread_annotations.h"
#include "kernel/remote/link.h"

namespace shoal::clusterd {

using kernel::remote::Link;

// The links of what the mount opened, so that a cut reaches them.
struct MountProvider::Links {
  struct Opened {
    std::weak_ptr<Link> mine;        // Held by the proxy it was imported for.
    std::weak_ptr<Link> connection;  // Whose gone listener `key` marks `mine`.
    uint64_t key = 0;
  };
  mutable Mutex mu;
  bool cut GUARDED_BY(mu) = false;
  std::vector<Opened> opened GUARDED_BY(mu);

  // Forgets the opens whose objects are gone, and their listeners on the
  // connection (loop thread, mu held).
  void PruneLocked() REQUIRES(mu) {
    std::erase_if(opened, [](const Opened& o) {
      if (!o.mine.expired()) return false;
      if (auto connection = o.connection.lock()) connection->Forget(o.key);
      return true;
    });
  }
};

MountProvider::MountProvider(std::string node, std::string path, std::string target,
                             DataPlane& data_plane)
    : node_(std::move(node)),
      path_(std::move(path)),
      target_(std::move(target)),
      data_plane_(data_plane),
      links_(std::make_shared<Links>()) {}

MountProvider::~MountProvider() = default;

void MountProvider::OpenAsync(std::string_view relative, kernel::Rights requested, OpenDone done) {
  {
    MutexLock lock(&links_->mu);
    if (links_->cut) {
      return done(MakeError(Status::kNotFound,
                            "nothing is mounted at " + target_ + " any more (it was unmounted)"));
    }
  }
  std::string path = relative.empty() ? path_ : path_ + "/" + std::string(relative);
  DataPlane::ImportVia via = [links = links_,
                              target = target_](const std::shared_ptr<Link>& connection) {
    auto mine = std::make_shared<Link>(connection->loop(), connection->peer());
    std::weak_ptr<Link> weak = mine;
    uint64_t key = connection->OnGone([weak, peer = connection->peer()] {
      if (auto link = weak.lock()) link->MarkGone("the connection with node " + peer + " broke");
    });
    bool cut;
    {
      MutexLock lock(&links->mu);
      links->PruneLocked();
      cut = links->cut;
      if (!cut) links->opened.push_back({mine, connection, key});
    }
    if (cut) mine->MarkGone("unmounted from " + target);
    return mine;
  };
  data_plane_.OpenDevice(node_, std::move(path), requested, std::move(via),
                         [requested, done = std::move(done)](Result<kernel::HandleEntry> entry) {
                           if (entry.ok()) entry->rights = entry->rights & requested;
                           done(std::move(entry));
                         });
}

void MountProvider::Cut() {
  std::vector<Links::Opened> opened;
  {
    MutexLock lock(&links_->mu);
    links_->cut = true;
    opened.swap(links_->opened);
  }
  // Links go on the loop, where their proxies' listeners run.
  (void)data_plane_.loop()->Post([opened = std::move(opened), target = target_] {
    for (const Links::Opened& o : opened) {
      if (auto connection = o.connection.lock()) connection->Forget(o.key);
      if (auto mine = o.mine.lock()) mine->MarkGone("unmounted from " + target);
    }
  });
}

uint32_t MountProvider::open_handles() const {
  MutexLock lock(&links_->mu);
  uint32_t held = 0;
  for (const Links::Opened& o : links_->opened) held += o.mine.expired() ? 0 : 1;
  return held;
}

}  // namespace shoal::clusterd
