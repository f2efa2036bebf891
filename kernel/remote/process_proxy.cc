// A process on another node (Process in object_rpc.capnp).
//
// Info() answers from what the proxy fetched, never from the network, since
// it is called on scheduler workers (process_wait): the pid comes with the
// first `info` answer, which ImportHandle waits for (process_proxy.h); the
// exit status comes when the watch shows kSignaled. The proxy sets kSignaled
// only after that fetch is answered, so a waiter woken by kSignaled finds the
// exit status in Info().
//
// Without kWait on the exported handle there is no watch, so Info() keeps
// the pid but never learns the exit (process_wait needs kWait anyway).
//
// Terminate and Kill are posted: Ok at once, or kPeerGone when the link is
// gone. The server refuses them only without kManage, which the holder's own
// handle check refuses first.
//
// When the link goes, the process's end can no longer be learnt: the proxy
// sets kSignaled|kPeerClosed so that waiters wake, and Info() (hence
// WaitExit, hence process_wait) reports kPeerGone, unless the exit status
// arrived before, which stays true and is still reported.
#include "kernel/remote/process_proxy.h"

#include <kj/debug.h>

#include <optional>

#include "kernel/object/process_ops.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

Result<ProcessInfo> ReadInfo(proto::rpc::Process::InfoResults::Reader results) {
  TRY(ReadOutcome(results.getOutcome()));
  auto in = results.getInfo();
  ProcessInfo info;
  info.pid = in.getPid();
  if (!in.getExited()) return info;
  auto exit = in.getExit();
  if (exit.getReason() > kMaxExitReason) {
    return MakeError(Status::kMalformed, "a process ended for an unknown reason");
  }
  ExitStatus status = MakeExitStatus(ExitReason(exit.getReason()), exit.getCode());
  status.trap_message = exit.getTrapMessage().cStr();
  status.fuel_used = exit.getFuelUsed();
  status.cpu_ns = exit.getCpuNs();
  info.exit = std::move(status);
  return info;
}

class ProcessProxy final : public MirroredProxy<ProcessOps> {
 public:
  ProcessProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : MirroredProxy(std::move(link), kj::mv(capability)),
        known_(LoopShared(this->link()->loop(), new Known(kj::newPromiseAndFulfiller<void>()))) {}

  // Loop thread, once owned: the watch, the link's end, the first fetch.
  void Start(const std::shared_ptr<ProcessProxy>& self) {
    MirroredProxy::Start(self);
    Fetch(Cause::kImport);
  }

  Result<ProcessInfo> Info() override {
    MutexLock lock(&mu_);
    if (info_ && info_->exit) return *info_;  // Final, whatever became of the link.
    if (gone_) return link()->GoneError();
    if (failed_) return *failed_;
    if (!info_) return MakeError(Status::kShouldWait, "the process's pid has not arrived yet");
    return *info_;
  }

  VoidResult Terminate() override {
    return Post([](proto::rpc::Process::Client process) {
      return process.terminateRequest().send().ignoreResult();
    });
  }

  VoidResult Kill() override {
    return Post([](proto::rpc::Process::Client process) {
      return process.killRequest().send().ignoreResult();
    });
  }

  // The watch's signals (loop thread): kSignaled means the exit status is
  // there to fetch; nothing is mirrored as such.
  void MirrorSignals(Signals signals) override {
    if (!Any(signals, Signals::kSignaled) || signaled_) return;
    signaled_ = true;
    if (!fetching_) Fetch(Cause::kSignaled);
  }

  // Loop thread.
  kj::Promise<void> WhenKnown() { return known_->promise.addBranch(); }

 protected:
  void OnLinkGone() override {
    {
      Notifications fired;
      MutexLock lock(&mu_);
      gone_ = true;
      UpdateLocked(fired);
    }
    MarkKnown();
  }

 private:
  // Why an info call was made.
  enum class Cause {
    kImport,    // The first: for the pid.
    kSignaled,  // The server showed kSignaled first: the answer must hold the exit.
  };
  // Fulfilled once the first answer is in or the link went. Loop thread.
  struct Known {
    explicit Known(kj::PromiseFulfillerPair<void> paf)
        : promise(paf.promise.fork()), fulfiller(kj::mv(paf.fulfiller)) {}
    kj::ForkedPromise<void> promise;
    kj::Own<kj::PromiseFulfiller<void>> fulfiller;
  };

  VoidResult Post(std::function<kj::Promise<void>(proto::rpc::Process::Client)> send) {
    std::shared_ptr<Link> link = this->link();
    return OnLoop<proto::rpc::Process>(
        [link, send = std::move(send)](proto::rpc::Process::Client process) {
          link->loop()->Detach(send(process), "process call");
        });
  }

  // Loop thread.
  void Fetch(Cause cause) {
    fetching_ = true;
    std::weak_ptr<ProcessProxy> weak = std::static_pointer_cast<ProcessProxy>(shared_from_this());
    std::shared_ptr<Link> link = this->link();
    auto answered = capability().castAs<proto::rpc::Process>().infoRequest().send().then(
        [weak, cause](auto&& response) {
          if (auto proxy = weak.lock()) proxy->Answered(ReadInfo(response), cause);
        },
        [weak, link, cause](kj::Exception&& e) {
          if (auto proxy = weak.lock()) proxy->Answered(FromException(e, link->peer()), cause);
        });
    link->loop()->Detach(kj::mv(answered), "process info");
  }

  // Loop thread.
  void Answered(Result<ProcessInfo> info, Cause cause) {
    fetching_ = false;
    bool again = false;
    {
      Notifications fired;
      MutexLock lock(&mu_);
      if (!info.ok()) {
        // A gone link is the link's to report (OnLinkGone).
        if (info.error().status != Status::kPeerGone) failed_ = info.error();
      } else if (!info_ || !info_->exit) {
        info_ = std::move(info).value();
        if (!info_->exit && cause == Cause::kSignaled) {
          failed_ =
              MakeError(Status::kMalformed, "a process signaled its end without an exit status");
        }
        again = !info_->exit && !failed_ && signaled_;
      }
      UpdateLocked(fired);
    }
    MarkKnown();
    if (again) Fetch(Cause::kSignaled);  // It ended while the first fetch was out.
  }

  void MarkKnown() {
    if (known_->fulfiller->isWaiting()) known_->fulfiller->fulfill();
  }

  // kSignaled once Info() no longer says "running".
  void UpdateLocked(Notifications& fired) REQUIRES(mu_) {
    Signals set = Signals::kNone;
    if ((info_ && info_->exit) || failed_ || gone_) set |= Signals::kSignaled;
    if (gone_) set |= Signals::kPeerClosed;
    UpdateSignals(Signals::kAll, set, fired);
  }

  const std::shared_ptr<Known> known_;  // Loop thread only.
  bool fetching_ = false;               // Loop thread only: an info call is out.
  bool signaled_ = false;               // Loop thread only: the watch showed kSignaled.
  Mutex mu_;
  std::optional<ProcessInfo> info_ GUARDED_BY(mu_);  // The latest answer.
  std::optional<Error> failed_ GUARDED_BY(mu_);      // A malformed answer.
  bool gone_ GUARDED_BY(mu_) = false;
};

}  // namespace

Ref<KernelObject> NewProcessProxy(const std::shared_ptr<Link>& link,
                                  proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<ProcessProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

kj::Promise<void> WhenProcessProxyKnown(KernelObject& proxy) {
  auto* process = dynamic_cast<ProcessProxy*>(&proxy);
  if (process == nullptr) return kj::READY_NOW;
  return process->WhenKnown().catch_([](kj::Exception&&) {});
}

}  // namespace shoal::kernel::remote
