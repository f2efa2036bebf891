// Test support for kernel/object (header-only, so the library does not carry
// it): a real TimerService on its own thread, a bounded wait on signals, a
// device that waits, and local objects as the kernel makes them (the
// operations tests in kernel/remote also run them through proxies).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "kernel/base/thread_annotations.h"
#include "kernel/base/timer_service.h"
#include "kernel/object/channel.h"
#include "kernel/object/console.h"
#include "kernel/object/device.h"
#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/object.h"
#include "kernel/object/port.h"
#include "kernel/object/timer.h"
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

// A device that waits: bytes the test feeds become readable; writes are
// taken whole until it is unplugged; Control echoes its request reversed. It stands in
// for a camera or audio source until rdev/ has one.
class QueueDevice final : public DeviceOps {
 public:
  static Ref<QueueDevice> Create() { return Ref<QueueDevice>(new QueueDevice()); }

  void Feed(std::string_view bytes) {
    Notifications fired;
    MutexLock lock(&mu_);
    queue_.insert(queue_.end(), bytes.begin(), bytes.end());
    UpdateSignals(Signals::kNone, Signals::kReadable, fired);
  }
  void Unplug() {
    Notifications fired;
    MutexLock lock(&mu_);
    unplugged_ = true;
    UpdateSignals(Signals::kWritable, Signals::kPeerClosed, fired);
  }

  void DescribeAsync(DescribeDone done) override {
    done(DeviceInfo{"test-queue", "queue0", {{"format", "bytes"}, {"rate", "any"}}});
  }
  void ReadAsync(size_t max_bytes, ReadDone done) override { done(ReadNow(max_bytes)); }
  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override {
    MutexLock lock(&mu_);
    if (unplugged_) return done(MakeError(Status::kPeerClosed, "unplugged"));
    done(bytes.size());
  }
  void ControlAsync(std::span<const uint8_t> request, ControlDone done) override {
    done(std::vector<uint8_t>(request.rbegin(), request.rend()));
  }

 private:
  QueueDevice() : DeviceOps(ObjectType::kDevice, Signals::kWritable) {}
  Result<std::vector<uint8_t>> ReadNow(size_t max_bytes) {
    Notifications fired;
    MutexLock lock(&mu_);
    if (queue_.empty()) {
      if (unplugged_) return MakeError(Status::kPeerClosed, "unplugged");
      return MakeError(Status::kShouldWait, "nothing fed yet");
    }
    size_t n = std::min({max_bytes, queue_.size(), kMaxTransfer});
    std::vector<uint8_t> out(queue_.begin(), queue_.begin() + n);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    if (queue_.empty()) UpdateSignals(Signals::kReadable, Signals::kNone, fired);
    return out;
  }

  Mutex mu_;
  std::deque<uint8_t> queue_ GUARDED_BY(mu_);
  bool unplugged_ GUARDED_BY(mu_) = false;
};

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
  std::pair<Ref<ChannelOps>, Ref<ChannelOps>> CreateChannel() {
    auto pair = Channel::Create();
    EXPECT_TRUE(pair.ok());
    return {pair->first, pair->second};
  }
  Ref<PortOps> CreatePort() { return Unwrap(Port::Create()); }
  Ref<TimerOps> CreateTimer() { return Unwrap(Timer::Create(timers_)); }
  Ref<ConsoleOps> CreateConsole(size_t retention = ConsoleLog::kDefaultRetention) {
    return Unwrap(Console::Create(retention));
  }
  Ref<DeviceOps> CreateDevice(BasicDeviceKind kind) { return Unwrap(BasicDevice::Create(kind)); }
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

}  // namespace shoal::kernel::testing
