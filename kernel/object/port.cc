#include "kernel/object/port.h"

#include <algorithm>
#include <string>

namespace shoal::kernel {

Result<Ref<Port>> Port::Create() { return Ref<Port>(new Port()); }

Result<Ref<Port>> Port::CreateWith(std::vector<Packet> packets) {
  if (packets.size() > kMaxPackets) {
    return MakeError(Status::kInvalidArgs, "a port holds at most " + std::to_string(kMaxPackets) +
                                               " packets, not " + std::to_string(packets.size()));
  }
  Ref<Port> port = TRY(Create());
  Notifications fired;  // Nobody observes it yet.
  MutexLock lock(&port->mu_);
  for (Packet& packet : packets) port->PushLocked(packet, fired);
  return port;
}

PortValue Port::Value() {
  MutexLock lock(&mu_);
  PurgeDeadLocked();
  PortValue value;
  value.packets.assign(queue_.begin(), queue_.end());
  for (const Registration& r : registrations_)
    value.watches.push_back({r.object, r.signals, r.key});
  return value;
}

Port::~Port() {
  // Withdraw our observers so that they stop occupying the objects' slots.
  std::vector<Registration> registrations;
  {
    MutexLock lock(&mu_);
    registrations = std::move(registrations_);
  }
  for (const Registration& r : registrations) {
    if (auto object = r.object.lock(); object && r.token != 0) object->CancelObserver(r.token);
  }
}

void Port::PushLocked(Packet packet, Notifications& fired) {
  queue_.push_back(packet);
  if (queue_.size() == 1) UpdateSignals(Signals::kNone, Signals::kReadable, fired);
}

void Port::PurgeDeadLocked() {
  std::erase_if(registrations_, [](const Registration& r) { return r.object.expired(); });
}

VoidResult Port::WaitAsync(Ref<KernelObject> object, Signals signals, uint64_t key) {
  if (object == nullptr) return MakeError(Status::kInvalidArgs, "no object to wait on");
  if (signals == Signals::kNone) return MakeError(Status::kInvalidArgs, "no signals to wait for");
  uint64_t id;
  {
    MutexLock lock(&mu_);
    if (registrations_.size() + queue_.size() >= kMaxPackets) PurgeDeadLocked();
    if (registrations_.size() + queue_.size() >= kMaxPackets) {
      return MakeError(Status::kShouldWait, "port is at capacity");
    }
    id = next_id_++;
    registrations_.push_back(Registration{id, key, signals, object, 0});
  }
  std::weak_ptr<Port> weak = std::static_pointer_cast<Port>(shared_from_this());
  auto token = object->ObserveAsync(signals, [weak, id](Signals observed) {
    if (auto port = weak.lock()) port->OnFired(id, observed);
  });
  MutexLock lock(&mu_);
  auto it = std::find_if(registrations_.begin(), registrations_.end(),
                         [&](const Registration& r) { return r.id == id; });
  if (!token.ok()) {
    if (it != registrations_.end()) registrations_.erase(it);
    return std::move(token).error();
  }
  if (it != registrations_.end()) {
    it->token = *token;
  }
  // Otherwise it fired already, or Cancel() removed it: an observer that is
  // still registered will find no registration and queue nothing.
  return Ok();
}

void Port::OnFired(uint64_t id, Signals observed) {
  Notifications fired;
  MutexLock lock(&mu_);
  auto it = std::find_if(registrations_.begin(), registrations_.end(),
                         [&](const Registration& r) { return r.id == id; });
  if (it == registrations_.end()) return;  // Cancelled.
  Packet packet;
  packet.key = it->key;
  packet.type = PacketType::kSignal;
  packet.observed = observed;
  registrations_.erase(it);
  PushLocked(packet, fired);
}

VoidResult Port::Cancel(uint64_t key) {
  std::vector<Registration> cancelled;
  bool found = false;
  {
    Notifications fired;
    MutexLock lock(&mu_);
    auto keep = std::stable_partition(registrations_.begin(), registrations_.end(),
                                      [&](const Registration& r) { return r.key != key; });
    cancelled.assign(std::make_move_iterator(keep), std::make_move_iterator(registrations_.end()));
    registrations_.erase(keep, registrations_.end());
    size_t before = queue_.size();
    std::erase_if(queue_,
                  [&](const Packet& p) { return p.key == key && p.type == PacketType::kSignal; });
    found = !cancelled.empty() || queue_.size() != before;
    if (before != 0 && queue_.empty()) UpdateSignals(Signals::kReadable, Signals::kNone, fired);
  }
  for (const Registration& r : cancelled) {
    if (auto object = r.object.lock(); object && r.token != 0) object->CancelObserver(r.token);
  }
  if (!found) return MakeError(Status::kNotFound, "no registration or packet with that key");
  return Ok();
}

VoidResult Port::Queue(const Packet& packet) {
  Notifications fired;
  MutexLock lock(&mu_);
  if (registrations_.size() + queue_.size() >= kMaxPackets) PurgeDeadLocked();
  if (registrations_.size() + queue_.size() >= kMaxPackets) {
    return MakeError(Status::kShouldWait, "port is at capacity");
  }
  Packet user = packet;
  user.type = PacketType::kUser;
  user.observed = Signals::kNone;
  PushLocked(user, fired);
  return Ok();
}

Result<Packet> Port::Wait() {
  Notifications fired;
  MutexLock lock(&mu_);
  if (queue_.empty()) return MakeError(Status::kShouldWait, "port has no packet");
  Packet packet = queue_.front();
  queue_.pop_front();
  if (queue_.empty()) UpdateSignals(Signals::kReadable, Signals::kNone, fired);
  return packet;
}

}  // namespace shoal::kernel
