#include "kernel/wasi/io_wait.h"

#include <utility>

namespace shoal::wasi {

void IoWait::Complete() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    done_ = true;
    wake = std::exchange(wake_, nullptr);
  }
  if (wake) wake();
}

void IoWait::OnDone(std::function<void()> wake) {
  {
    std::lock_guard lock(mu_);
    if (!done_) {
      wake_ = std::move(wake);
      return;
    }
  }
  wake();
}

bool IoWait::done() const {
  std::lock_guard lock(mu_);
  return done_;
}

}  // namespace shoal::wasi
