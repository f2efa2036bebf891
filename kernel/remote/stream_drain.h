// StreamDrain: moves what a local object queues (port packets, channel
// messages) to a sink on the holder's node, as fast as the sink's stream
// window allows, and waits on the object's signals when it has nothing.
//
// Each step calls `take(drain)`, which takes the next item off the object
// and returns the promise of the stream call that carries it, or null when
// nothing is queued; the drain then observes `ready` on the object and tries
// again when one of them is set. A stream call that fails (the sink or its
// link went) ends the drain, as does End() (which `take` calls when the
// object will give nothing more, e.g. a channel whose peer closed).
//
// Threading: the loop thread; the observer fires on any thread and posts.
// Lifetime: held by whoever keeps the attachment (a subscription); the object
// and `take` go with it.
#pragma once

#include <kj/async.h>

#include <functional>
#include <memory>

#include "kernel/object/object.h"
#include "kernel/remote/loop.h"

namespace shoal::kernel::remote {

class StreamDrain : public std::enable_shared_from_this<StreamDrain> {
 public:
  using Take = std::function<kj::Maybe<kj::Promise<void>>(StreamDrain& drain)>;

  // Starts draining `source` (destroyed on the loop thread).
  static std::shared_ptr<StreamDrain> Start(const std::shared_ptr<Loop>& loop,
                                            Ref<KernelObject> source, Signals ready, Take take);
  ~StreamDrain();

  // Stops for good: nothing more is taken.
  void End() { ended_ = true; }
  bool ended() const { return ended_; }

 private:
  StreamDrain(std::shared_ptr<Loop> loop, Ref<KernelObject> source, Signals ready, Take take)
      : loop_(std::move(loop)), source_(std::move(source)), ready_(ready), take_(std::move(take)) {}
  // Sends while the window has room, then waits for the window or the source.
  void Next();
  void WaitForSource();

  const std::shared_ptr<Loop> loop_;
  const Ref<KernelObject> source_;
  const Signals ready_;
  const Take take_;
  ObserverToken token_ = 0;
  bool busy_ = false;   // A stream call waits for the window.
  bool ended_ = false;  // End(), or the sink failed.
};

}  // namespace shoal::kernel::remote
