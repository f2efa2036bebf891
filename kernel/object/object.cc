#include "kernel/object/object.h"

#include <algorithm>

namespace shoal::kernel {

std::string_view ObjectTypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kChannel:
      return "channel";
    case ObjectType::kPort:
      return "port";
    case ObjectType::kTimer:
      return "timer";
    case ObjectType::kConsole:
      return "console";
    case ObjectType::kFile:
      return "file";
    case ObjectType::kDirectory:
      return "directory";
    case ObjectType::kProcess:
      return "process";
    case ObjectType::kDevice:
      return "device";
    case ObjectType::kSpawner:
      return "spawner";
    case ObjectType::kCamera:
      return "camera";
    case ObjectType::kAudio:
      return "audio";
  }
  return "unknown";
}

Rights DefaultRights(ObjectType type) {
  constexpr Rights kBase = Rights::kDuplicate | Rights::kTransfer | Rights::kWait;
  switch (type) {
    case ObjectType::kChannel:
    case ObjectType::kPort:
    case ObjectType::kFile:
    case ObjectType::kDevice:
      return kBase | Rights::kRead | Rights::kWrite;
    case ObjectType::kTimer:
    case ObjectType::kProcess:
      return kBase | Rights::kManage;
    case ObjectType::kConsole:
      return kBase | Rights::kRead | Rights::kWrite | Rights::kManage;
    case ObjectType::kDirectory:
      return kBase | Rights::kRead;
    case ObjectType::kSpawner:
      return Rights::kDuplicate | Rights::kTransfer | Rights::kManage;
    case ObjectType::kCamera:
      return kBase | Rights::kRead | Rights::kManage;
    case ObjectType::kAudio:
      return kBase | Rights::kRead | Rights::kWrite | Rights::kManage;
  }
  return Rights::kNone;
}

void Notifications::Run() {
  // A callback may add nothing here (the batch is ours), so a plain loop over
  // a moved-out vector is enough.
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [callback, observed] : pending) callback(observed);
}

KernelObject::KernelObject(ObjectType type, Signals initial) : type_(type), signals_(initial) {}

KernelObject::~KernelObject() = default;

Signals KernelObject::signals() const {
  MutexLock lock(&signal_mu_);
  return signals_;
}

Result<ObserverToken> KernelObject::ObserveAsync(Signals mask, ObserverCallback callback) {
  if (mask == Signals::kNone) return MakeError(Status::kInvalidArgs, "observer mask is empty");
  Notifications fired;
  MutexLock lock(&signal_mu_);
  ObserverToken token = next_token_++;
  if (Any(signals_, mask)) {
    fired.Add(std::move(callback), signals_);
    return token;  // `lock` is released before `fired` runs.
  }
  if (observers_.size() >= kMaxObservers) {
    return MakeError(Status::kNoMemory, "too many observers on one object");
  }
  observers_.push_back(Observer{token, mask, std::move(callback)});
  return token;
}

bool KernelObject::CancelObserver(ObserverToken token) {
  MutexLock lock(&signal_mu_);
  auto it = std::find_if(observers_.begin(), observers_.end(),
                         [&](const Observer& o) { return o.token == token; });
  if (it == observers_.end()) return false;
  observers_.erase(it);
  return true;
}

size_t KernelObject::observer_count() const {
  MutexLock lock(&signal_mu_);
  return observers_.size();
}

void KernelObject::UpdateSignals(Signals clear, Signals set, Notifications& fired) {
  MutexLock lock(&signal_mu_);
  Signals before = signals_;
  signals_ = (signals_ & ~clear) | set;
  // Only bits that became set can satisfy an observer: one whose mask met a
  // bit already set would have fired when it was registered or set.
  Signals raised = signals_ & ~before;
  if (raised != Signals::kNone) FireLocked(signals_, fired);
}

void KernelObject::PulseSignals(Signals bits, Notifications& fired) {
  MutexLock lock(&signal_mu_);
  FireLocked(bits, fired);
}

void KernelObject::FireLocked(Signals bits, Notifications& fired) {
  auto keep = std::stable_partition(observers_.begin(), observers_.end(),
                                    [&](const Observer& o) { return !Any(o.mask, bits); });
  for (auto it = keep; it != observers_.end(); ++it) {
    fired.Add(std::move(it->callback), signals_ | bits);
  }
  observers_.erase(keep, observers_.end());
}

}  // namespace shoal::kernel
