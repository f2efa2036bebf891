// Link: what the proxies of one connection share with it — the loop that
// carries it, the peer's name, and whether the peer is gone.
//
// A connection marks its link gone when it breaks (the peer died or
// restarted, the socket closed, the stream failed). Proxies check the link
// before starting a call, so a call on a dead proxy fails at once with
// kPeerGone; calls already on the wire fail when capnp rejects them. Gone
// listeners (proxies that must set kPeerClosed, for example) run once, on the
// loop thread.
//
// Threading: gone() and GoneError() from any thread; the rest on the loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/remote/loop.h"

namespace shoal::kernel::remote {

class Link {
 public:
  Link(std::shared_ptr<Loop> loop, std::string peer)
      : loop_(std::move(loop)), peer_(std::move(peer)) {}

  const std::shared_ptr<Loop>& loop() const { return loop_; }
  // The peer node's name ("" for an unnamed test peer).
  const std::string& peer() const { return peer_; }

  bool gone() const { return gone_.load(std::memory_order_acquire); }
  // The kPeerGone error a call on this link reports.
  Error GoneError() const;

  // Loop thread: runs `listener` once when the link goes (at once if it has
  // gone); returns a key for Forget().
  uint64_t OnGone(std::function<void()> listener);
  void Forget(uint64_t key);
  // Loop thread: the connection broke for `reason`; runs the listeners.
  void MarkGone(std::string reason);

 private:
  const std::shared_ptr<Loop> loop_;
  const std::string peer_;
  std::atomic<bool> gone_{false};
  mutable Mutex mu_;
  std::string reason_ GUARDED_BY(mu_);
  uint64_t next_key_ = 1;
  std::map<uint64_t, std::function<void()>> listeners_;
};

}  // namespace shoal::kernel::remote
