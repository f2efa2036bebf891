#include "clusterd/daemon/event_log.h"

namespace shoal::clusterd {

void EventLog::Publish(shoal::admin::v1::Event event) {
  {
    std::lock_guard lock(mu_);
    event.set_seq(++seq_);
    event.set_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
    event.set_observed_by(self_);
    events_.push_back(std::move(event));
    if (events_.size() > capacity_) events_.pop_front();
  }
  published_.notify_all();
}

uint64_t EventLog::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

std::vector<shoal::admin::v1::Event> EventLog::ReadAfter(uint64_t after, Deadline deadline) {
  std::unique_lock lock(mu_);
  published_.wait_until(lock, deadline, [&] { return seq_ > after; });
  std::vector<shoal::admin::v1::Event> out;
  for (const auto& e : events_) {
    if (e.seq() > after) out.push_back(e);
  }
  return out;
}

}  // namespace shoal::clusterd
