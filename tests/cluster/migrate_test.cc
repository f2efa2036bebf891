// Live migration with real shoald processes over TLS on 127.0.0.1: a game
// of life moved around three nodes while it prints finishes with exactly
// the output of a run that never moved, under the same pid; `shoal logs -f`
// started before the moves follows it from node to node with no line lost
// or repeated; ps and the events follow it. A parent moves while it talks
// to its child on a third node, and a talking pair moves back and forth. A
// process writing its memory fast is moved
// many times at random moments and loses no write. Bad moves are refused
// with the process left running where it was.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

const std::string kApps = SHOAL_APPS_DIR;
// Long enough to be moved four times also when a loaded machine makes the
// moves slow and the generations fast.
const std::string kLife = kApps + "/life.wasm 80000 500 24";

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(3, std::vector<std::string>{"--workers", "1"});
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  uint64_t Start(const std::string& node, const std::string& what) {
    return cluster_->StartOn(node, what);
  }
  std::string Logs(uint64_t pid) { return cluster_->Logs(pid); }

  // The output of `what` run unmoved on `node`, which a moved run must
  // print too; "" (and a failure) unless it ran to the end, printing `end`.
  std::string UnmovedOutput(const std::string& node, const std::string& what,
                            const std::string& end) {
    uint64_t reference = Start(node, what);
    Ran waited = cluster_->Shoal("wait --timeout 120 " + std::to_string(reference));
    std::string output = Logs(reference);
    EXPECT_EQ(waited.exit_code, 0) << waited.output;
    EXPECT_NE(output.find(end), std::string::npos) << output;
    return waited.exit_code == 0 && output.find(end) != std::string::npos ? output : "";
  }

  // The node `ps -o json` lists `pid` on as running, "" if none.
  std::string RunningOn(uint64_t pid) {
    Ran ps = cluster_->Shoal("ps -o json");
    std::regex entry("\"pid\":\"" + std::to_string(pid) +
                     "\",\"node\":\"([a-z-]+)\",\"state\":\"PROCESS_STATE_RUNNING\"");
    std::smatch match;
    return std::regex_search(ps.output, match, entry) ? match[1].str() : "";
  }

  // The pid of the process running on `node` (one, the test's), waiting
  // (bounded) for it to show; "" if none does.
  std::string RunningPidOn(const std::string& node) {
    std::regex running("\"pid\":\"([0-9]+)\",\"node\":\"" + node +
                       "\",\"state\":\"PROCESS_STATE_RUNNING\"");
    std::string pid;
    WaitUntil([&] {
      Ran ps = cluster_->Shoal("ps --node " + node + " -o json");
      std::smatch found;
      if (!std::regex_search(ps.output, found, running)) return false;
      pid = found[1].str();
      return true;
    });
    return pid;
  }

  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(MigrateTest, LifeMovedAroundTheClusterPrintsWhatAnUnmovedRunPrints) {
  const std::string expected = UnmovedOutput("node-c", kLife, "gen 80000 ");
  ASSERT_FALSE(expected.empty());

  const std::string events = cluster_->dir() + "/events.txt";
  Background watch(std::string(SHOAL_BIN) + " events" + cluster_->ConnectionFlags(0), events);
  ASSERT_TRUE(WaitForText(events, "SEQ"));
  uint64_t pid = Start("node-a", kLife);
  ASSERT_NE(pid, 0u);
  const std::string followed = cluster_->dir() + "/followed.txt";
  Background follower(std::string(SHOAL_BIN) + " logs" + cluster_->ConnectionFlags(0) + " -f " +
                          std::to_string(pid),
                      followed);
  ASSERT_TRUE(WaitForText(followed, "gen 500 "));

  // Each way to move: pre-copy (rounds ahead, then the rest frozen), stop
  // and copy (one round: the whole image frozen), pre-copy under a cap.
  // The module goes ahead only to a node that has not seen it move.
  struct Move {
    const char* to;
    const char* flags;
    std::string expected;  // In the output.
  };
  const Move route[] = {{"node-b", " -o json", "\"rounds\": ?[2-9].*\"module_bytes\": ?\"[1-9]"},
                        {"node-c", " --stop-and-copy -o json", "\"rounds\": ?1[,}]"},
                        {"node-a", " --max-freeze-ms 5000", "round 1: .* sent"},
                        {"node-b", " -o json", "\"rounds\": ?[2-9].*\"module_bytes\": ?\"0\""}};
  int moves = 0;
  for (const Move& move : route) {
    Ran moved = cluster_->Shoal("migrate " + std::to_string(pid) + " --to " + move.to + move.flags);
    if (moved.exit_code != 0 && moved.output.find("no process") != std::string::npos) break;
    ASSERT_EQ(moved.exit_code, 0) << moved.output;
    EXPECT_TRUE(std::regex_search(moved.output, std::regex(move.expected))) << moved.output;
    const std::string to = move.to;
    EXPECT_NE(moved.output.find(to), std::string::npos) << moved.output;
    ++moves;
    // ps follows it (heartbeats carry it within moments).
    EXPECT_TRUE(WaitUntil([&] { return RunningOn(pid) == to || RunningOn(pid).empty(); }))
        << cluster_->Shoal("ps").output;
  }
  EXPECT_EQ(moves, 4) << "the run ended before it could be moved four times";
  // ps counts the moves and names the node it last came from.
  if (moves == 4) {
    Ran ps = cluster_->Shoal("ps --node node-b -o json");
    EXPECT_TRUE(
        std::regex_search(ps.output, std::regex("\"moves\": ?4,\"moved_from\": ?\"node-a\"")))
        << ps.output;
  }
  Ran wait = cluster_->Shoal("wait --timeout 120 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  EXPECT_EQ(Logs(pid), expected);
  ASSERT_TRUE(WaitForText(followed, "gen 80000 "))
      << ReadFile(followed)
      << Shell("grep -h 'pid " + std::to_string(pid) + "' " + cluster_->log(0) + " " +
               cluster_->log(1) + " " + cluster_->log(2))
             .output;
  EXPECT_EQ(ReadFile(followed), expected);

  // Each move is an event of the source, naming both nodes.
  EXPECT_TRUE(WaitForText(events, "process moved")) << ReadFile(events);
  EXPECT_TRUE(WaitForText(events, "from=node-a")) << ReadFile(events);
}

// A parent on node-a talks to its child on node-c over a channel while the
// parent moves to node-b: its channel end, its process handle to the child
// and its preopened directory stay home behind proxies, and the
// conversation ends as an unmoved one does. Then the child, whose end is a
// proxy that fetches messages ahead, moves too: node-c serves its proxy,
// fetched messages and all, and the conversation still ends as an unmoved
// one does.
TEST_F(MigrateTest, AParentMovesWhileItTalksToItsChildOnAnotherNode) {
  const std::string pingpong = "--dir " + kApps + " " + kApps + "/pingpong.wasm --on node-c 6000";
  const std::string expected = UnmovedOutput("node-a", pingpong, "pingpong: 6000 rounds");
  ASSERT_FALSE(expected.empty());

  uint64_t pid = Start("node-a", pingpong);
  ASSERT_NE(pid, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  Ran moved = cluster_->Shoal("migrate " + std::to_string(pid) + " --to node-b");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;

  // The running child, not the unmoved run's, which has ended.
  std::string child = RunningPidOn("node-c");
  ASSERT_FALSE(child.empty());
  Ran child_moved = cluster_->Shoal("migrate " + child + " --to node-b");
  if (child_moved.output.find("no process") == std::string::npos) {  // Unless it ended already.
    EXPECT_EQ(child_moved.exit_code, 0) << child_moved.output;
  }

  Ran wait = cluster_->Shoal("wait --timeout 120 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  EXPECT_NE(wait.output.find("on node-b"), std::string::npos) << wait.output;
  EXPECT_EQ(Logs(pid), expected);
}

// Both ends of a conversation move back and forth at random moments: the
// child, whose end is a proxy that fetches ahead, between node-c and
// node-b (each move leaves its old node serving the proxy it had), the
// parent between node-a and node-b. Both finish with exactly the output of
// a pair that never moved: no message lost, repeated or reordered.
TEST_F(MigrateTest, ATalkingPairMovedBackAndForthEndsAsAnUnmovedPairDoes) {
  const std::string pingpong = "--dir " + kApps + " " + kApps + "/pingpong.wasm --on node-c 8000";
  const std::string expected = UnmovedOutput("node-a", pingpong, "pingpong: 8000 rounds");
  ASSERT_FALSE(expected.empty());

  uint64_t pid = Start("node-a", pingpong);
  ASSERT_NE(pid, 0u);
  std::string child = RunningPidOn("node-c");
  ASSERT_FALSE(child.empty());
  // Child, parent, child, parent, child: at most five moves, each 30-120 ms
  // after the last, until the pair has finished.
  const std::vector<std::pair<std::string, std::string>> moves = {{child, "node-b"},
                                                                  {std::to_string(pid), "node-b"},
                                                                  {child, "node-c"},
                                                                  {std::to_string(pid), "node-a"},
                                                                  {child, "node-b"}};
  std::mt19937 random(20261205);
  int child_moves = 0;
  for (const auto& [who, to] : moves) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + random() % 90));
    Ran moved = cluster_->Shoal("migrate " + who + " --to " + to);
    if (moved.output.find("no process") != std::string::npos) break;  // It has finished.
    ASSERT_EQ(moved.exit_code, 0) << who << " to " << to << ": " << moved.output;
    if (who == child) ++child_moves;
  }
  EXPECT_GE(child_moves, 2) << "the pair finished too early to test much";
  Ran wait = cluster_->Shoal("wait --timeout 120 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  EXPECT_EQ(Logs(pid), expected);
}

// What apps/dirtier.c's memory holds after `writes` writes, as its FNV-1a
// checksum: the same fill and the same write stride, computed here.
uint32_t DirtierChecksum(size_t mib, uint64_t writes) {
  const size_t bytes = mib << 20;
  const size_t pages = bytes / 4096;
  std::vector<uint8_t> memory(bytes);
  uint32_t seed = 2463534242u;
  for (size_t i = 0; i < bytes; i += 4) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    std::memcpy(memory.data() + i, &seed, 4);
  }
  size_t next = 0;
  for (uint64_t w = 0; w < writes; ++w) {
    memory[next * 4096 + (w % 4096)] += 1;
    next = (next + 7919) % pages;
  }
  uint32_t h = 2166136261u;
  for (uint8_t byte : memory) h = (h ^ byte) * 16777619u;
  return h;
}

// A process that writes its memory as fast as it can, moved back and forth
// at random moments with `flags`: its memory at the end is exactly what its
// writes give, every byte. It writes for 15 s of its own clock, room for
// five moves on a loaded machine; a move it ends during is refused and
// changes nothing. Answers the moves' outputs.
std::vector<std::string> MoveDirtierBackAndForth(TestCluster& cluster, size_t mib,
                                                 const std::string& flags) {
  std::vector<std::string> outputs;
  uint64_t pid =
      cluster.StartOn("node-a", kApps + "/dirtier.wasm " + std::to_string(mib) + " 200 15");
  EXPECT_NE(pid, 0u);
  EXPECT_TRUE(WaitUntil([&] { return cluster.Logs(pid).find("ready") != std::string::npos; }));
  std::mt19937 random(pid);
  const char* to = "node-b";
  for (int i = 0; i < 10 && outputs.size() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 200));
    Ran moved =
        cluster.Shoal("migrate " + std::to_string(pid) + " --to " + to + " -o json" + flags);
    if (moved.exit_code != 0 && (moved.output.find("no process") != std::string::npos ||
                                 moved.output.find("ended while") != std::string::npos)) {
      break;
    }
    EXPECT_EQ(moved.exit_code, 0) << moved.output;
    if (moved.exit_code != 0) break;
    outputs.push_back(moved.output);
    to = std::string(to) == "node-b" ? "node-a" : "node-b";
  }
  EXPECT_GE(outputs.size(), 3u) << "the run ended before it could be moved three times";
  Ran wait = cluster.Shoal("wait --timeout 120 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  const std::string output = cluster.Logs(pid);
  std::smatch done;
  EXPECT_TRUE(
      std::regex_search(output, done, std::regex("done ([0-9]+) writes checksum ([0-9a-f]{8})")))
      << output;
  if (done.empty()) return outputs;
  char expected[9];
  std::snprintf(expected, sizeof expected, "%08x",
                DirtierChecksum(mib, std::stoull(done[1].str())));
  EXPECT_EQ(done[2].str(), expected) << output;
  return outputs;
}

// Pre-copy: the rounds race its writes and slow it down.
TEST_F(MigrateTest, AProcessWritingFastMovesManyTimesAndNoWriteIsLost) {
  MoveDirtierBackAndForth(*cluster_, 8, "");
}

// Post-copy: it runs on at the destination at once, the pages it writes
// first fetched on demand while the rest follow, none overwriting a page
// it wrote since.
TEST_F(MigrateTest, APostCopiedProcessWritingFastLosesNoWrite) {
  const std::vector<std::string> outputs = MoveDirtierBackAndForth(*cluster_, 32, " --postcopy");
  uint64_t demanded = 0;
  for (const std::string& output : outputs) {
    EXPECT_TRUE(std::regex_search(output, std::regex("\"postcopy\": ?true"))) << output;
    std::smatch figures;
    if (std::regex_search(output, figures, std::regex("\"demand_pages\": ?\"([0-9]+)\""))) {
      demanded += std::stoull(figures[1].str());
    }
  }
  // It writes all over its memory: it cannot run long without a fault.
  EXPECT_GT(demanded, 0u);
}

// Killed on the destination while its memory still follows: it ends
// there, the pages still on their way are dropped, and the move completes.
TEST_F(MigrateTest, APostCopiedProcessKilledBeforeItsMemoryCameEndsCleanly) {
  // 1 GiB: its memory follows for a second or more, time for the kill.
  uint64_t pid = Start("node-a", "--memory 1100MiB " + kApps + "/dirtier.wasm 1024 200 30");
  ASSERT_NE(pid, 0u);
  ASSERT_TRUE(WaitUntil([&] { return Logs(pid).find("ready") != std::string::npos; }));
  const std::string p = std::to_string(pid);
  const std::string moving = cluster_->dir() + "/moving.txt";
  {
    Background move(std::string(SHOAL_BIN) + " migrate" + cluster_->ConnectionFlags(0) + " " + p +
                        " --to node-b --postcopy",
                    moving);
    ASSERT_TRUE(WaitForText(moving, "running there")) << ReadFile(moving);
    Ran killed = cluster_->Shoal("kill " + p);
    EXPECT_EQ(killed.exit_code, 0) << killed.output;
    ASSERT_TRUE(WaitForText(moving, "migrated " + p)) << ReadFile(moving);
  }
  Ran wait = cluster_->Shoal("wait --timeout 30 " + p);
  EXPECT_NE(wait.output.find("on node-b: killed"), std::string::npos) << wait.output;
  const std::string log = ReadFile(cluster_->log(1));
  EXPECT_NE(log.find("pid " + p + " ended before all its memory came"), std::string::npos) << log;
  EXPECT_EQ(log.find("post-copy from node node-a failed"), std::string::npos) << log;
}

// The ticker's timer and port are its alone, so they move by value: moved
// off node-c, it ticks on to the end with node-c dead. Left home behind
// proxies, its next tick would have waited on node-c.
TEST_F(MigrateTest, ATickerMovedByValueOutlivesTheNodeItLeft) {
  const int kTicks = 40;
  uint64_t pid = Start("node-c", kApps + "/ticker.wasm " + std::to_string(kTicks) + " 50");
  ASSERT_NE(pid, 0u);
  const std::string id = std::to_string(pid);
  ASSERT_TRUE(WaitUntil([&] { return Logs(pid).find("tick 3\n") != std::string::npos; }))
      << Logs(pid);
  Ran moved = cluster_->Shoal("migrate " + id + " --to node-b");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  cluster_->Kill9(2);

  Ran waited = cluster_->Shoal("wait --timeout 120 " + id);
  EXPECT_EQ(waited.exit_code, 0) << waited.output;
  EXPECT_NE(waited.output.find("on node-b"), std::string::npos) << waited.output;
  std::string expected;
  for (int i = 1; i <= kTicks; ++i) expected += "tick " + std::to_string(i) + "\n";
  expected += "ticker: " + std::to_string(kTicks) + " ticks, none early\n";
  EXPECT_EQ(Logs(pid), expected);
}

TEST_F(MigrateTest, BadMovesAreRefusedAndTheProcessRunsOn) {
  uint64_t pid = Start("node-a", kLife);
  ASSERT_NE(pid, 0u);
  Ran same = cluster_->Shoal("migrate " + std::to_string(pid) + " --to node-a");
  EXPECT_EQ(same.exit_code, 81) << same.output;
  EXPECT_NE(same.output.find("runs on node-a already"), std::string::npos) << same.output;
  Ran unknown = cluster_->Shoal("migrate " + std::to_string(pid) + " --to node-z");
  EXPECT_EQ(unknown.exit_code, 79) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown node 'node-z'"), std::string::npos) << unknown.output;
  Ran nobody = cluster_->Shoal("migrate 999999 --to node-b");
  EXPECT_EQ(nobody.exit_code, 79) << nobody.output;
  Ran wait = cluster_->Shoal("wait --timeout 120 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  EXPECT_NE(wait.output.find("on node-a"), std::string::npos) << wait.output;
}

// Asked of node-a right after a move from node-b to node-c, before the
// heartbeats tell node-a: node-b no longer has the process, and node-a finds
// it on node-c instead of answering "no process".
TEST_F(MigrateTest, KillWaitAndCheckpointRightAfterAMoveReachTheNewHost) {
  for (const char* then : {"kill", "checkpoint"}) {
    SCOPED_TRACE(then);
    uint64_t pid = Start("node-b", kLife);
    ASSERT_NE(pid, 0u);
    const std::string id = std::to_string(pid);
    Ran moved = cluster_->Shoal("migrate " + id + " --to node-c");
    ASSERT_EQ(moved.exit_code, 0) << moved.output;
    if (std::string(then) == "checkpoint") {
      Ran saved = cluster_->Shoal("checkpoint " + id + " --file " + cluster_->dir() + "/moved.img");
      EXPECT_EQ(saved.exit_code, 0) << saved.output;
    }
    Ran killed = cluster_->Shoal("kill " + id);
    EXPECT_EQ(killed.exit_code, 0) << killed.output;
    EXPECT_NE(killed.output.find("killed " + id + " on node-c"), std::string::npos)
        << killed.output;
    Ran waited = cluster_->Shoal("wait " + id);
    EXPECT_EQ(waited.exit_code, 137) << waited.output;
    EXPECT_NE(waited.output.find("on node-c"), std::string::npos) << waited.output;
  }
}

// A copy with its input, output and an O_APPEND log open moves twice
// mid-copy; the files stay on node-a (the moved process reads and writes
// them through proxies) and end up exactly as an unmoved copy leaves them.
TEST_F(MigrateTest, OpenFilesMoveWithTheProcessAndNothingIsLostOrRepeated) {
  const std::string dir = cluster_->dir() + "/files";
  std::filesystem::create_directories(dir);
  std::string input;
  for (int i = 0; i < 1500; ++i) input += char('a' + i % 26);
  std::ofstream(dir + "/input") << input;
  std::ofstream(dir + "/log") << "before:";
  uint64_t pid =
      Start("node-a", "--dir " + dir + ":/data " SHOAL_PROC_TESTDATA_DIR "/trickle_copy.wasm");
  ASSERT_NE(pid, 0u);
  const std::string id = std::to_string(pid);
  auto copied = [&]() -> uint64_t {
    std::error_code absent;
    uint64_t size = std::filesystem::file_size(dir + "/output", absent);
    return absent ? 0 : size;
  };
  ASSERT_TRUE(WaitUntil([&] { return copied() >= 16; }));
  for (const char* to : {"node-b", "node-c"}) {
    Ran moved = cluster_->Shoal("migrate " + id + " --to " + to);
    ASSERT_EQ(moved.exit_code, 0) << moved.output;
  }
  EXPECT_LT(copied(), input.size()) << "the copy ended before its moves; make the input longer";
  Ran wait = cluster_->Shoal("wait --timeout 120 " + id);
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
  EXPECT_NE(wait.output.find("on node-c"), std::string::npos) << wait.output;
  EXPECT_EQ(ReadFile(dir + "/output"), input);
  EXPECT_EQ(ReadFile(dir + "/log"), "before:" + input);
}

}  // namespace
}  // namespace shoal::testing
