// Test support for kernel/object (header-only, so the library does not carry
// it): a real TimerService on its own thread, a bounded wait on signals, and
// the two object factories the typed tests run against — local objects, and
// proxies of them through a LoopbackConnection.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "kernel/object/channel.h"
#include "kernel/object/console.h"
#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/loopback.h"
#include "kernel/object/object.h"
#include "kernel/object/port.h"
#include "kernel/object/timer.h"
#include "kernel/object/timer_service.h"
#include "kernel/sched/reactor.h"
#include "kernel/sched/reactor_file_io.h"

namespace shoal::kernel::testing {

// A TimerService with one thread and a condition variable; callbacks run on
// that thread without the service's lock held.
class ThreadTimerService final : public TimerService {
 public:
  ThreadTimerService() : thread_([this] { Loop(); }) {}
  ~ThreadTimerService() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  TimerId Schedule(MonotonicNs deadline, Callback fire) override {
    std::lock_guard lock(mu_);
    TimerId id = next_id_++;
    timers_.emplace(id, Entry{deadline, std::move(fire)});
    cv_.notify_all();
    return id;
  }

  bool Cancel(TimerId id) override {
    std::lock_guard lock(mu_);
    return timers_.erase(id) != 0;
  }

 private:
  struct Entry {
    MonotonicNs deadline;
    Callback fire;
  };
  void Loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      auto next = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (next == timers_.end() || it->second.deadline < next->second.deadline) next = it;
      }
      if (next == timers_.end()) {
        cv_.wait(lock);
        continue;
      }
      MonotonicNs now = MonotonicNow();
      if (next->second.deadline > now) {
        cv_.wait_for(lock, std::chrono::nanoseconds(next->second.deadline - now));
        continue;
      }
      Callback fire = std::move(next->second.fire);
      timers_.erase(next);
      lock.unlock();
      fire();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  TimerId next_id_ = 1;
  std::map<TimerId, Entry> timers_;
  std::thread thread_;  // Last: starts after the fields it uses.
};

// Waits, at most `limit` (a bound against hangs, not a timing assertion), for
// any of `mask` on `object`. Returns the observed signals, or kNone on timeout.
inline Signals WaitForSignals(KernelObject& object, Signals mask,
                              std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool fired = false;
    Signals observed = Signals::kNone;
  };
  auto state = std::make_shared<State>();
  auto token = object.ObserveAsync(mask, [state](Signals observed) {
    std::lock_guard lock(state->mu);
    state->fired = true;
    state->observed = observed;
    state->cv.notify_all();
  });
  if (!token.ok()) return Signals::kNone;
  std::unique_lock lock(state->mu);
  if (!state->cv.wait_for(lock, limit, [&] { return state->fired; })) {
    lock.unlock();
    object.CancelObserver(*token);
    return Signals::kNone;
  }
  return state->observed;
}

template <typename T>
Ref<T> Unwrap(Result<Ref<T>> result) {
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? std::move(result).value() : nullptr;
}

// The rights file tests give a root directory: everything a preopen allows.
inline constexpr Rights kRootRights =
    Rights::kRead | Rights::kWrite | Rights::kDuplicate | Rights::kTransfer | Rights::kWait;

// Local objects, as the kernel makes them.
class LocalObjects {
 public:
  static constexpr const char* kName = "Local";
  static constexpr bool kProxied = false;

  std::pair<Ref<ChannelOps>, Ref<ChannelOps>> CreateChannel() {
    auto pair = Channel::Create();
    EXPECT_TRUE(pair.ok());
    return {pair->first, pair->second};
  }
  Ref<PortOps> CreatePort() { return Unwrap(Port::Create()); }
  Ref<TimerOps> CreateTimer() { return Unwrap(Timer::Create(timers_)); }
  Ref<ConsoleOps> CreateConsole(size_t retention = ConsoleOps::kDefaultRetention) {
    return Unwrap(Console::Create(retention));
  }
  // A preopened root at `host_path`, its file IO on a real io_uring reactor.
  Ref<DirectoryOps> OpenRoot(const std::string& host_path) {
    auto root = Directory::OpenRoot(host_path, file_io_);
    EXPECT_TRUE(root.ok()) << "errno " << root.error();
    return root.ok() ? std::move(root).value() : nullptr;
  }

 private:
  ThreadTimerService timers_;
  std::unique_ptr<Reactor> reactor_ = std::move(Reactor::Create()).value();
  ReactorFileIo file_io_{*reactor_};
};

// The same objects, each reached through a proxy over a loopback connection.
class ProxiedObjects {
 public:
  static constexpr const char* kName = "Proxied";
  static constexpr bool kProxied = true;

  std::pair<Ref<ChannelOps>, Ref<ChannelOps>> CreateChannel() {
    auto pair = local_.CreateChannel();
    return {Wrap<ChannelOps>(pair.first), Wrap<ChannelOps>(pair.second)};
  }
  Ref<PortOps> CreatePort() { return Wrap<PortOps>(local_.CreatePort()); }
  Ref<TimerOps> CreateTimer() { return Wrap<TimerOps>(local_.CreateTimer()); }
  Ref<ConsoleOps> CreateConsole(size_t retention = ConsoleOps::kDefaultRetention) {
    return Wrap<ConsoleOps>(local_.CreateConsole(retention));
  }
  Ref<DirectoryOps> OpenRoot(const std::string& host_path) {
    return Wrap<DirectoryOps>(local_.OpenRoot(host_path), kRootRights);
  }
  LoopbackConnection& connection() { return connection_; }

 private:
  template <typename T>
  Ref<T> Wrap(Ref<KernelObject> object, std::optional<Rights> granted = std::nullopt) {
    Rights rights = granted.value_or(DefaultRights(object->type()));
    auto proxy = connection_.Proxy(std::move(object), rights);
    EXPECT_TRUE(proxy.ok());
    return proxy.ok() ? std::static_pointer_cast<T>(*proxy) : nullptr;
  }

  LocalObjects local_;  // First: its timer service outlives the connection's objects.
  LoopbackConnection connection_;
};

using ObjectFactories = ::testing::Types<LocalObjects, ProxiedObjects>;

struct FactoryName {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

}  // namespace shoal::kernel::testing
