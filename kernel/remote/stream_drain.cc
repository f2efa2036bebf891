#include "kernel/remote/stream_drain.h"

#include "kernel/remote/flow.h"

namespace shoal::kernel::remote {

std::shared_ptr<StreamDrain> StreamDrain::Start(const std::shared_ptr<Loop>& loop,
                                                Ref<KernelObject> source, Signals ready,
                                                Take take) {
  auto drain = LoopShared(loop, new StreamDrain(loop, std::move(source), ready, std::move(take)));
  drain->Next();
  return drain;
}

StreamDrain::~StreamDrain() {
  if (token_ != 0) source_->CancelObserver(token_);
}

void StreamDrain::Next() {
  while (!busy_ && !ended_) {
    kj::Maybe<kj::Promise<void>> sent = take_(*this);
    KJ_IF_MAYBE (promise, sent) {
      busy_ = true;
      std::weak_ptr<StreamDrain> weak = weak_from_this();
      loop_->Detach(promise->then(
                        [weak] {
                          if (auto drain = weak.lock()) {
                            drain->busy_ = false;
                            drain->Next();
                          }
                        },
                        [weak](kj::Exception&&) {
                          if (auto drain = weak.lock()) drain->ended_ = true;
                        }),
                    "stream drain");
    } else {
      return WaitForSource();
    }
  }
}

void StreamDrain::WaitForSource() {
  if (token_ != 0 || ended_) return;
  std::weak_ptr<StreamDrain> weak = weak_from_this();
  Result<ObserverToken> token = ObserveOnLoop(*source_, ready_, loop_, [weak] {
    if (auto drain = weak.lock()) {
      drain->token_ = 0;  // It fired: observers are one-shot.
      drain->Next();
    }
  });
  if (token.ok()) token_ = *token;
}

}  // namespace shoal::kernel::remote
