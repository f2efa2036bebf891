#include "clusterd/daemon/event_log.h"

namespace shoal::clusterd {

namespace pb = shoal::admin::v1;

void EventLog::AppendLocked(pb::Event event) {
  event.set_seq(++seq_);
  event.set_observed_by(self_);
  events_.push_back(std::move(event));
  if (events_.size() > capacity_) events_.pop_front();
}

void EventLog::Publish(pb::Event event) {
  {
    MutexLock lock(&mu_);
    event.set_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
    event.set_origin(self_);
    event.set_origin_seq(++own_seq_);
    outbox_.push_back(event);
    if (outbox_.size() > capacity_) outbox_.pop_front();
    AppendLocked(std::move(event));
  }
  published_.SignalAll();
}

VoidResult EventLog::CheckForwarded(const std::string& origin,
                                    const google::protobuf::RepeatedPtrField<pb::Event>& events) {
  if (size_t(events.size()) > kMaxForwardBatch) {
    return MakeError(Status::kInvalidArgs,
                     std::to_string(events.size()) + " events in one heartbeat from '" + origin +
                         "'; at most " + std::to_string(kMaxForwardBatch) + " are accepted");
  }
  uint64_t previous = 0;
  for (const pb::Event& e : events) {
    if (e.origin() != origin) {
      return MakeError(Status::kInvalidArgs, "event origin '" + e.origin() +
                                                 "' is not the sender '" + origin +
                                                 "': a node forwards only its own events");
    }
    if (e.origin_seq() == 0) {
      return MakeError(Status::kInvalidArgs,
                       "event from '" + origin + "' has no origin_seq (it must be 1 or more)");
    }
    if (e.origin_seq() <= previous) {
      return MakeError(Status::kInvalidArgs,
                       "event origin_seq " + std::to_string(e.origin_seq()) + " from '" + origin +
                           "' follows " + std::to_string(previous) +
                           ": a batch must be in increasing origin_seq order");
    }
    previous = e.origin_seq();
  }
  return Ok();
}

void EventLog::Receive(const std::string& origin, uint64_t incarnation,
                       const google::protobuf::RepeatedPtrField<pb::Event>& events) {
  bool appended = false;
  {
    MutexLock lock(&mu_);
    auto [it, added] = received_.try_emplace(origin);
    OriginCursor& cursor = it->second;
    if (added && received_.size() > capacity_) {
      // Bounded: forget another origin (its next batch may repeat events it
      // already sent, at worst once).
      received_.erase(received_.begin() == it ? std::next(received_.begin()) : received_.begin());
    }
    if (cursor.incarnation != incarnation) cursor = {incarnation, 0};
    for (const pb::Event& e : events) {
      if (e.origin_seq() <= cursor.origin_seq) continue;  // Already held.
      cursor.origin_seq = e.origin_seq();
      AppendLocked(e);
      appended = true;
    }
  }
  if (appended) published_.SignalAll();
}

uint64_t EventLog::own_seq() const {
  MutexLock lock(&mu_);
  return own_seq_;
}

std::vector<pb::Event> EventLog::OwnAfter(uint64_t after, size_t max) const {
  MutexLock lock(&mu_);
  std::vector<pb::Event> out;
  for (const pb::Event& e : outbox_) {
    if (out.size() >= max) break;
    if (e.origin_seq() > after) out.push_back(e);
  }
  return out;
}

uint64_t EventLog::last_seq() const {
  MutexLock lock(&mu_);
  return seq_;
}

std::vector<pb::Event> EventLog::ReadAfter(uint64_t after, Deadline deadline) {
  MutexLock lock(&mu_);
  while (seq_ <= after) {
    if (!published_.WaitUntil(mu_, deadline)) break;
  }
  std::vector<pb::Event> out;
  for (const auto& e : events_) {
    if (e.seq() > after) out.push_back(e);
  }
  return out;
}

}  // namespace shoal::clusterd
