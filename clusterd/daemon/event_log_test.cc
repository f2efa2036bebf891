#include "clusterd/daemon/event_log.h"

#include <gtest/gtest.h>

#include <thread>

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;
using Batch = google::protobuf::RepeatedPtrField<pb::Event>;

Deadline Now() { return std::chrono::steady_clock::now(); }

pb::Event Started(uint64_t pid) {
  pb::Event e;
  e.set_kind(pb::Event::KIND_PROCESS_STARTED);
  e.set_pid(pid);
  return e;
}

// A batch from `origin` with these origin_seqs (pid = origin_seq).
Batch From(const std::string& origin, std::vector<uint64_t> seqs) {
  Batch batch;
  for (uint64_t seq : seqs) {
    pb::Event* e = batch.Add();
    *e = Started(seq);
    e->set_origin(origin);
    e->set_origin_seq(seq);
  }
  return batch;
}

std::vector<uint64_t> Pids(const std::vector<pb::Event>& events) {
  std::vector<uint64_t> out;
  for (const pb::Event& e : events) out.push_back(e.pid());
  return out;
}

TEST(EventLogTest, PublishStampsOriginAndFeedsTheOutbox) {
  EventLog log("node-a");
  log.Publish(Started(7));
  log.Publish(Started(8));
  std::vector<pb::Event> read = log.ReadAfter(0, Now());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].origin(), "node-a");
  EXPECT_EQ(read[0].observed_by(), "node-a");
  EXPECT_EQ(read[1].origin_seq(), 2u);
  EXPECT_EQ(read[1].seq(), 2u);
  EXPECT_EQ(log.own_seq(), 2u);
  EXPECT_EQ(Pids(log.OwnAfter(1, 10)), std::vector<uint64_t>({8}));
  EXPECT_EQ(Pids(log.OwnAfter(0, 1)), std::vector<uint64_t>({7}));
}

TEST(EventLogTest, RepeatedAndOverlappingBatchesAreAppendedOnce) {
  EventLog log("node-a");
  log.Receive("node-c", 1, From("node-c", {1, 2}));
  log.Receive("node-c", 1, From("node-c", {1, 2}));
  log.Receive("node-c", 1, From("node-c", {2, 3}));
  std::vector<pb::Event> read = log.ReadAfter(0, Now());
  EXPECT_EQ(Pids(read), std::vector<uint64_t>({1, 2, 3}));
  EXPECT_EQ(read[2].seq(), 3u);
  EXPECT_EQ(read[2].origin(), "node-c");
  EXPECT_EQ(read[2].observed_by(), "node-a");
  // Forwarded events are not this node's to forward again.
  EXPECT_TRUE(log.OwnAfter(0, 10).empty());
}

TEST(EventLogTest, ANewIncarnationOfTheOriginStartsAfresh) {
  EventLog log("node-a");
  log.Receive("node-c", 1, From("node-c", {1, 2, 3}));
  log.Receive("node-c", 2, From("node-c", {1}));
  EXPECT_EQ(Pids(log.ReadAfter(3, Now())), std::vector<uint64_t>({1}));
}

TEST(EventLogTest, OriginsAreDeduplicatedSeparately) {
  EventLog log("node-a");
  log.Receive("node-b", 1, From("node-b", {1}));
  log.Receive("node-c", 1, From("node-c", {1}));
  EXPECT_EQ(log.ReadAfter(0, Now()).size(), 2u);
}

TEST(EventLogTest, RingAndOutboxAreBounded) {
  EventLog log("node-a", 4);
  for (uint64_t pid = 1; pid <= 10; ++pid) log.Publish(Started(pid));
  EXPECT_EQ(Pids(log.ReadAfter(0, Now())), std::vector<uint64_t>({7, 8, 9, 10}));
  EXPECT_EQ(Pids(log.OwnAfter(0, 100)), std::vector<uint64_t>({7, 8, 9, 10}));
  EXPECT_EQ(log.last_seq(), 10u);
}

TEST(EventLogTest, BadBatchesAreRefusedWithWhatIsWrong) {
  EXPECT_TRUE(EventLog::CheckForwarded("node-c", From("node-c", {1, 5, 9})).ok());
  EXPECT_TRUE(EventLog::CheckForwarded("node-c", {}).ok());

  VoidResult foreign = EventLog::CheckForwarded("node-c", From("node-b", {1}));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().status, Status::kInvalidArgs);
  EXPECT_NE(foreign.error().message.find("origin 'node-b' is not the sender 'node-c'"),
            std::string::npos);

  VoidResult zero = EventLog::CheckForwarded("node-c", From("node-c", {0}));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("no origin_seq"), std::string::npos);

  VoidResult repeated = EventLog::CheckForwarded("node-c", From("node-c", {2, 2}));
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.error().message.find("origin_seq 2 from 'node-c' follows 2"),
            std::string::npos);

  std::vector<uint64_t> many;
  for (uint64_t seq = 1; seq <= EventLog::kMaxForwardBatch + 1; ++seq) many.push_back(seq);
  VoidResult oversized = EventLog::CheckForwarded("node-c", From("node-c", many));
  ASSERT_FALSE(oversized.ok());
  EXPECT_NE(oversized.error().message.find("at most 256"), std::string::npos);
}

TEST(EventLogTest, ReadAfterWaitsForTheNextEventUntilTheDeadline) {
  EventLog log("node-a");
  auto start = Now();
  EXPECT_TRUE(log.ReadAfter(0, start + std::chrono::milliseconds(20)).empty());
  EXPECT_GE(Now() - start, std::chrono::milliseconds(20));
  std::thread publisher([&] { log.Receive("node-b", 1, From("node-b", {1})); });
  std::vector<pb::Event> read = log.ReadAfter(0, Now() + std::chrono::seconds(30));
  publisher.join();
  EXPECT_EQ(read.size(), 1u);
}

}  // namespace
}  // namespace shoal::clusterd
