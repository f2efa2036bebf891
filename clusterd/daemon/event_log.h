// EventLog: the cluster events this node observed, numbered, kept in a
// bounded ring for Watch streams to read.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "clusterd/process_host.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

class EventLog {
 public:
  explicit EventLog(std::string self, size_t capacity = 1024)
      : self_(std::move(self)), capacity_(capacity) {}

  // Numbers, stamps and stores `event` and wakes readers.
  void Publish(shoal::admin::v1::Event event);

  // The sequence number of the newest event (0 before the first).
  uint64_t last_seq() const;

  // Events numbered after `after`; when there are none, waits for one until
  // `deadline`. Events that fell out of the ring are skipped.
  std::vector<shoal::admin::v1::Event> ReadAfter(uint64_t after, Deadline deadline);

 private:
  const std::string self_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable published_;
  std::deque<shoal::admin::v1::Event> events_;  // GUARDED_BY(mu_)
  uint64_t seq_ = 0;                            // GUARDED_BY(mu_)
};

}  // namespace shoal::clusterd
