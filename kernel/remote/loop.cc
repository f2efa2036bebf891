#include "kernel/remote/loop.h"

#include <kj/async-unix.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <future>

namespace shoal::kernel::remote {

// Logs failures of detached work; they are never thrown at anyone.
class Loop::Errors final : public kj::TaskSet::ErrorHandler {
 public:
  explicit Errors(const std::string& name) : name_(name) {}
  void taskFailed(kj::Exception&& exception) override {
    std::fprintf(stderr, "shoal remote loop %s: %s\n", name_.c_str(),
                 exception.getDescription().cStr());
  }

 private:
  const std::string& name_;
};

std::shared_ptr<Loop> Loop::Start(std::string name) {
  std::shared_ptr<Loop> loop(new Loop(std::move(name)));
  loop->wake_fd_ = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  std::promise<void> ready;
  std::future<void> started = ready.get_future();
  loop->thread_ = std::thread([l = loop.get(), &ready] { l->Main(ready); });
  started.wait();
  return loop;
}

Loop::~Loop() { Stop(); }

bool Loop::Post(std::function<void()> fn) {
  {
    MutexLock lock(&mu_);
    if (stopped_) return false;
    posted_.push_back(std::move(fn));
    // Something was queued already: its wake is pending, and the loop takes
    // the whole queue after it read the eventfd, this function too.
    if (posted_.size() > 1) return true;
  }
  uint64_t one = 1;
  // Only EAGAIN (counter saturated) can fail, and then a wake is pending.
  (void)!write(wake_fd_.get(), &one, sizeof(one));
  return true;
}

void Loop::Stop() {
  if (stop_requested_.exchange(true)) {
    if (thread_.joinable() && !OnLoopThread()) thread_.join();
    return;
  }
  // The stop runs as posted work, after everything posted before it.
  Post([this] {
    if (stop_ != nullptr) stop_->fulfill();
  });
  if (thread_.joinable()) thread_.join();
}

void Loop::Detach(kj::Promise<void> promise, const char* what) {
  tasks_->add(promise.catch_([this, what](kj::Exception&& e) {
    // A broken connection is reported through its Link, not here.
    if (e.getType() == kj::Exception::Type::DISCONNECTED) return;
    std::fprintf(stderr, "shoal remote loop %s: %s: %s\n", name_.c_str(), what,
                 e.getDescription().cStr());
  }));
}

void Loop::AtStop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

kj::Promise<void> Loop::DrainPosted() {
  uint64_t count;
  (void)!read(wake_fd_.get(), &count, sizeof(count));
  std::vector<std::function<void()>> batch;
  {
    MutexLock lock(&mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
  batch.clear();  // Destroyed here, on the loop thread.
  return wake_observer_->whenBecomesReadable().then([this] { return DrainPosted(); });
}

void Loop::Main(std::promise<void>& ready) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  Errors errors(name_);
  {
    kj::TaskSet tasks(errors);
    capnp::CapabilityServerSet<proto::rpc::Object> servers;
    kj::UnixEventPort::FdObserver observer(io.unixEventPort, wake_fd_.get(),
                                           kj::UnixEventPort::FdObserver::OBSERVE_READ);
    auto stop = kj::newPromiseAndFulfiller<void>();
    io_ = &io;
    servers_ = &servers;
    tasks_ = &tasks;
    wake_observer_ = &observer;
    stop_ = stop.fulfiller.get();
    ready.set_value();

    kj::Promise<void> drain = kj::evalLater([this] { return DrainPosted(); });
    stop.promise.exclusiveJoin(kj::mv(drain)).wait(io.waitScope);

    // Stopping, still on a live event loop: let the connections close, then
    // drop what was posted too late to run.
    stop_ = nullptr;
    for (auto& hook : stop_hooks_) hook();
    stop_hooks_.clear();
    std::vector<std::function<void()>> late;
    {
      MutexLock lock(&mu_);
      stopped_ = true;
      late.swap(posted_);
    }
    late.clear();
    wake_observer_ = nullptr;
    tasks_ = nullptr;
  }
  servers_ = nullptr;
  io_ = nullptr;
}

}  // namespace shoal::kernel::remote
