// SignalPump: pushes one object's signals to one watcher (Object.watch).
//
// It observes the bits that are clear in what it last pushed, so it learns of
// every bit being set; when one is, it pushes the whole signal word and
// observes again. A bit that fired but is not set when the push is made was
// raised as an edge (KernelObject::PulseSignals, or a level set and cleared
// again meanwhile): it goes as `pulsed`, so the watcher's observers wake
// too (at worst once too often). Bits being cleared have no observer, so the server calls
// Refresh() after each operation it performs. Pushes are capnp stream calls
// on the watcher, in order and flow-controlled.
//
// Threading: created, refreshed and destroyed on the loop thread; its
// observer fires on any thread and posts to the loop.
#pragma once

#include <memory>

#include "kernel/object/object.h"
#include "kernel/remote/loop.h"
#include "proto/object_rpc.capnp.h"

namespace shoal::kernel::remote {

class SignalPump : public std::enable_shared_from_this<SignalPump> {
 public:
  // Starts watching `object` for `watcher`; the holder learned `initial`
  // from the watch call's answer.
  static std::shared_ptr<SignalPump> Start(std::shared_ptr<Loop> loop, Ref<KernelObject> object,
                                           proto::rpc::SignalWatcher::Client watcher,
                                           Signals initial);
  ~SignalPump();

  // Pushes the current signals if they differ from the last push, or if
  // `fired` (what the observer saw) holds bits no longer set, and keeps an
  // observer registered.
  void Refresh(Signals fired = Signals::kNone);

 private:
  SignalPump(std::shared_ptr<Loop> loop, Ref<KernelObject> object,
             proto::rpc::SignalWatcher::Client watcher, Signals initial)
      : loop_(std::move(loop)),
        object_(std::move(object)),
        watcher_(kj::mv(watcher)),
        last_(initial) {}
  void Arm();
  void Push(KernelObject& object, Signals now, Signals pulsed);

  const std::shared_ptr<Loop> loop_;
  const std::weak_ptr<KernelObject> object_;
  proto::rpc::SignalWatcher::Client watcher_;
  Signals last_;
  ObserverToken token_ = 0;
  bool failed_ = false;  // The watcher is gone; stop pushing.
};

}  // namespace shoal::kernel::remote
