// EventLog: the cluster events this node knows, numbered, kept in a bounded
// ring for Watch streams to read.
//
// Two sources: events this node produces (Publish: its own processes'
// starts and ends, what its failure detector observes) and events other
// nodes produced and forwarded with their heartbeats (Receive). Each event
// carries its origin node and a sequence number per origin incarnation, so
// a batch sent twice (a heartbeat retried after a timeout) is appended once.
// Own events are also kept in a bounded outbox that heartbeat loops read
// from (OwnAfter), each with its own cursor, so a slow or dead peer holds
// nothing back.
#pragma once

#include <google/protobuf/repeated_field.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "clusterd/process_host.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

class EventLog {
 public:
  // At most this many events travel in one heartbeat.
  static constexpr size_t kMaxForwardBatch = 256;

  // `capacity` bounds the ring, the outbox, and the origins remembered for
  // de-duplication.
  explicit EventLog(std::string self, size_t capacity = 1024)
      : self_(std::move(self)), capacity_(capacity) {}

  // An event this node produced: stamps it (time, origin, origin_seq),
  // stores it in the ring and the outbox, and wakes readers.
  void Publish(shoal::admin::v1::Event event);

  // Checks a forwarded batch from `origin` without applying it:
  // kInvalidArgs when it has more than kMaxForwardBatch events, an event
  // whose origin is not `origin`, an origin_seq of 0, or origin_seqs that
  // do not increase.
  static VoidResult CheckForwarded(
      const std::string& origin,
      const google::protobuf::RepeatedPtrField<shoal::admin::v1::Event>& events);

  // Appends the events of a checked batch that this log does not hold yet
  // (origin_seq above the newest held from `origin`'s `incarnation`; a new
  // incarnation starts afresh) and wakes readers.
  void Receive(const std::string& origin, uint64_t incarnation,
               const google::protobuf::RepeatedPtrField<shoal::admin::v1::Event>& events);

  // The origin_seq of the newest event this node produced (0 before any).
  uint64_t own_seq() const;
  // This node's own events with origin_seq above `after`, oldest first, at
  // most `max`. Ones that fell out of the outbox are skipped.
  std::vector<shoal::admin::v1::Event> OwnAfter(uint64_t after, size_t max) const;

  // The sequence number of the newest event in the log (0 before the first).
  uint64_t last_seq() const;

  // Events numbered after `after`; when there are none, waits for one until
  // `deadline`. Events that fell out of the ring are skipped.
  std::vector<shoal::admin::v1::Event> ReadAfter(uint64_t after, Deadline deadline);

 private:
  struct OriginCursor {
    uint64_t incarnation = 0;
    uint64_t origin_seq = 0;  // The newest held.
  };
  void AppendLocked(shoal::admin::v1::Event event) REQUIRES(mu_);

  const std::string self_;
  const size_t capacity_;
  mutable Mutex mu_;
  CondVar published_;
  std::deque<shoal::admin::v1::Event> events_ GUARDED_BY(mu_);
  std::deque<shoal::admin::v1::Event> outbox_ GUARDED_BY(mu_);  // Own events.
  std::map<std::string, OriginCursor> received_ GUARDED_BY(mu_);
  uint64_t seq_ GUARDED_BY(mu_) = 0;
  uint64_t own_seq_ GUARDED_BY(mu_) = 0;
};

}  // namespace shoal::clusterd
