// A 3-node cluster of real shoald processes over TLS on 127.0.0.1, driven
// through the real `shoal` CLI (and an independent Python gRPC client):
// spawn, ps, logs, kill and wait across nodes; a daemon killed with SIGKILL
// is marked dead and its processes lost, and rejoins when restarted;
// unauthenticated and bad requests get precise errors; every node's event
// stream shows the whole cluster's events, each once, with its origin.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

const std::string kApps = SHOAL_APPS_DIR;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(3);
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  // Starts `app args` on `node` and returns its pid (0 on failure).
  uint64_t Spawn(const std::string& node, const std::string& app_and_args) {
    Ran r = cluster_->Shoal("run --on " + node + " " + kApps + "/" + app_and_args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    unsigned long long pid = 0;
    char on[64] = {0};
    if (std::sscanf(r.output.c_str(), "started %llu on %63s", &pid, on) != 2) return 0;
    EXPECT_EQ(std::string(on), node);
    return pid;
  }

  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(ClusterTest, NodesListsAllThreeUp) {
  Ran r = cluster_->Shoal("nodes");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"node-a", "node-b", "node-c"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
  }
  EXPECT_EQ(r.output.find("dead"), std::string::npos) << r.output;
}

TEST_F(ClusterTest, SpawnOnAnotherNodeThenPsLogsAndWaitAfterExit) {
  uint64_t pid = Spawn("node-b", "hello.wasm world --exit=7");
  ASSERT_NE(pid, 0u);
  // The pid's low 12 bits name the node that allocated it: node-b is id 2.
  EXPECT_EQ(pid & 0xfff, 2u);

  Ran wait = cluster_->Shoal("wait " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 7) << wait.output;
  EXPECT_NE(wait.output.find("exited 7"), std::string::npos) << wait.output;

  // Output is kept after exit, and reachable from any node.
  Ran logs =
      Shell(std::string(SHOAL_BIN) + " logs " + std::to_string(pid) + cluster_->ConnectionFlags(2));
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_NE(logs.output.find("hello, world"), std::string::npos) << logs.output;
  EXPECT_NE(logs.output.find("hello: done"), std::string::npos) << logs.output;

  Ran ps = cluster_->Shoal("ps --node node-b -o json");
  EXPECT_EQ(ps.exit_code, 0) << ps.output;
  EXPECT_NE(ps.output.find("\"pid\":\"" + std::to_string(pid) + "\""), std::string::npos)
      << ps.output;
  EXPECT_NE(ps.output.find("PROCESS_STATE_EXITED"), std::string::npos) << ps.output;
}

TEST_F(ClusterTest, LogsFollowStreamsUntilTheProcessEnds) {
  uint64_t pid = Spawn("node-c", "life.wasm 400 100");
  ASSERT_NE(pid, 0u);
  Ran logs = cluster_->Shoal("logs -f " + std::to_string(pid));
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_NE(logs.output.find("gen 100 checksum"), std::string::npos) << logs.output;
  EXPECT_NE(logs.output.find("gen 400 checksum"), std::string::npos) << logs.output;
}

TEST_F(ClusterTest, KillStopsARunningProcessOnAnotherNode) {
  uint64_t pid = Spawn("node-c", "life.wasm 1000000000 1000");
  ASSERT_NE(pid, 0u);
  Ran ps = cluster_->Shoal("ps");
  EXPECT_NE(ps.output.find(std::to_string(pid) + "  node-c  running"), std::string::npos)
      << ps.output;
  Ran kill = cluster_->Shoal("kill " + std::to_string(pid));
  EXPECT_EQ(kill.exit_code, 0) << kill.output;
  EXPECT_NE(kill.output.find("killed " + std::to_string(pid) + " on node-c"), std::string::npos);
  Ran wait = cluster_->Shoal("wait --timeout 30 " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 137) << wait.output;
  EXPECT_NE(wait.output.find("killed"), std::string::npos) << wait.output;
  // Killing it again is not an error.
  Ran again = cluster_->Shoal("kill " + std::to_string(pid));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already ended"), std::string::npos) << again.output;
}

TEST_F(ClusterTest, KilledDaemonIsMarkedDeadItsProcessesLostAndItRejoins) {
  uint64_t pid = Spawn("node-c", "life.wasm 1000000000 1000");
  ASSERT_NE(pid, 0u);
  // Let a heartbeat carry the new process to node-a.
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * TestCluster::kHeartbeatMs));
  Ran before = cluster_->Shoal("nodes -o json");
  // A wait in progress when the host dies ends once the node is declared
  // dead, reporting the process lost.
  Ran waiting;
  std::thread waiter(
      [&] { waiting = cluster_->Shoal("wait --timeout 60 " + std::to_string(pid)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  cluster_->Kill9(2);

  ASSERT_TRUE(cluster_->WaitNodeState("node-c", "NODE_STATE_DEAD"))
      << cluster_->Shoal("nodes").output;
  Ran ps = cluster_->Shoal("ps -o json");
  EXPECT_NE(ps.output.find("PROCESS_STATE_LOST"), std::string::npos) << ps.output;
  waiter.join();
  EXPECT_EQ(waiting.exit_code, 80) << waiting.output;
  Ran wait = cluster_->Shoal("wait " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 80) << wait.output;
  EXPECT_NE(wait.output.find("lost"), std::string::npos) << wait.output;
  Ran spawn = cluster_->Shoal("run --on node-c " + kApps + "/hello.wasm");
  EXPECT_EQ(spawn.exit_code, 69) << spawn.output;
  EXPECT_NE(spawn.output.find("node 'node-c' is dead"), std::string::npos) << spawn.output;

  cluster_->Start(2);
  ASSERT_TRUE(cluster_->WaitNodeState("node-c", "NODE_STATE_UP"));
  Ran after = cluster_->Shoal("nodes -o json");
  // A new incarnation: the restarted daemon is a new member life.
  auto incarnation = [](const std::string& json) {
    size_t at = json.find("\"name\":\"node-c\"");
    size_t inc = json.find("\"incarnation\":\"", at);
    return json.substr(inc, json.find('"', inc + 15) - inc);
  };
  EXPECT_NE(incarnation(before.output), incarnation(after.output));
  // It runs processes again, with pids never used before.
  uint64_t again = Spawn("node-c", "hello.wasm");
  EXPECT_NE(again, 0u);
  EXPECT_NE(again, pid);
}

TEST_F(ClusterTest, CallsWithoutTheTokenAreRefused) {
  std::string base = std::string(SHOAL_BIN) + " nodes --endpoint " + cluster_->admin_address(0) +
                     " --ca " + cluster_->ca();
  Ran none = Shell("env -u SHOAL_TOKEN -u SHOAL_TOKEN_FILE " + base);
  EXPECT_EQ(none.exit_code, 77) << none.output;
  EXPECT_NE(none.output.find("not authorized: missing 'authorization: Bearer"), std::string::npos)
      << none.output;
  Ran wrong = Shell(base + " --token not-the-token");
  EXPECT_EQ(wrong.exit_code, 77) << wrong.output;
  EXPECT_NE(wrong.output.find("not this cluster's token"), std::string::npos) << wrong.output;
  // Plaintext to a TLS port does not get through either.
  Ran plain = Shell(std::string(SHOAL_BIN) + " nodes --insecure --endpoint " +
                    cluster_->admin_address(0) + " --token-file " + cluster_->token_file());
  EXPECT_EQ(plain.exit_code, 69) << plain.output;
}

TEST_F(ClusterTest, BadRequestsGetPreciseErrors) {
  Ran unknown_pid = cluster_->Shoal("kill 123456789");
  EXPECT_EQ(unknown_pid.exit_code, 79) << unknown_pid.output;
  EXPECT_NE(unknown_pid.output.find("no process 123456789 in the cluster"), std::string::npos)
      << unknown_pid.output;

  Shell("printf 'not wasm' > " + cluster_->dir() + "/junk.wasm");
  Ran junk = cluster_->Shoal("run --on node-b " + cluster_->dir() + "/junk.wasm");
  EXPECT_EQ(junk.exit_code, 65) << junk.output;
  EXPECT_NE(junk.output.find("junk.wasm on node node-b: "), std::string::npos)
      << junk.output;
  EXPECT_NE(junk.output.find("magic header"), std::string::npos) << junk.output;

  Ran no_node = cluster_->Shoal("run --on node-z " + kApps + "/hello.wasm");
  EXPECT_EQ(no_node.exit_code, 79) << no_node.output;
  EXPECT_NE(no_node.output.find("unknown node 'node-z'"), std::string::npos) << no_node.output;

  Ran migrate = cluster_->Shoal("migrate 4097 --to node-b");
  EXPECT_EQ(migrate.exit_code, 79) << migrate.output;
  EXPECT_NE(migrate.output.find("no process 4097 in the cluster"), std::string::npos)
      << migrate.output;
}

TEST_F(ClusterTest, IndependentPythonClientUsesReflectionAndCallsListNodes) {
  Ran r = Shell(std::string("/usr/bin/python3 ") + SHOAL_REFLECTION_CLIENT + " --endpoint " +
                cluster_->admin_address(1) + " --ca " + cluster_->ca() + " --token-file " +
                cluster_->token_file() + " --expect-nodes 3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("shoal.admin.v1.Admin"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("node node-c"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("without token: UNAUTHENTICATED"), std::string::npos) << r.output;
}

// The lines of `shoal events` output (table form) about `pid` whose event
// column is `kind` ("process started"), as (origin, line) pairs.
std::vector<std::pair<std::string, std::string>> EventLines(const std::string& output,
                                                            const std::string& kind, uint64_t pid) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(output);
  std::string line;
  std::string needle = " pid=" + std::to_string(pid);
  while (std::getline(in, line)) {
    size_t at = line.find(needle);
    if (line.find("  " + kind + " ") == std::string::npos || at == std::string::npos) continue;
    char after = at + needle.size() < line.size() ? line[at + needle.size()] : ' ';
    if (after != ' ') continue;  // pid=40971 is not pid=4097.
    std::istringstream fields(line);
    std::string seq, origin;
    fields >> seq >> origin;
    out.emplace_back(origin, line);
  }
  return out;
}

TEST_F(ClusterTest, WatchOnOneNodeShowsEachProcessEventOfAnotherNodeOnce) {
  std::string out = cluster_->dir() + "/events.txt";
  Background watch(std::string(SHOAL_BIN) + " events" + cluster_->ConnectionFlags(0), out);
  std::string json_out = cluster_->dir() + "/events.json";
  Background json_watch(std::string(SHOAL_BIN) + " events -o json" + cluster_->ConnectionFlags(1),
                        json_out);
  // The header is printed once the watch is in place on node-a.
  ASSERT_TRUE(WaitForText(out, "ORIGIN")) << ReadFile(out);

  uint64_t pid = Spawn("node-c", "hello.wasm");
  ASSERT_NE(pid, 0u);
  ASSERT_TRUE(WaitUntil([&] { return !EventLines(ReadFile(out), "process exited", pid).empty(); }))
      << ReadFile(out);
  // A second process of node-c's, started after the first ended, is a
  // fence: node-c sends its events in order, so once the fence's exit is
  // shown, any repeat of the first process's events would have been too.
  uint64_t fence = Spawn("node-c", "hello.wasm");
  ASSERT_NE(fence, 0u);
  ASSERT_TRUE(WaitUntil([&] {
    return !EventLines(ReadFile(out), "process exited", fence).empty();
  })) << ReadFile(out);

  std::string text = ReadFile(out);
  auto started = EventLines(text, "process started", pid);
  auto exited = EventLines(text, "process exited", pid);
  ASSERT_EQ(started.size(), 1u) << text;
  ASSERT_EQ(exited.size(), 1u) << text;
  EXPECT_EQ(started[0].first, "node-c") << text;
  EXPECT_EQ(exited[0].first, "node-c") << text;
  EXPECT_NE(started[0].second.find("node=node-c"), std::string::npos) << text;
  EXPECT_NE(exited[0].second.find("exited 0"), std::string::npos) << text;
  // Resuming from the cursor just before the start shows it again first.
  uint64_t seq = std::stoull(started[0].second);
  Ran resumed = cluster_->Shoal("events --count 1 --after " + std::to_string(seq - 1));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(started[0].second), std::string::npos) << resumed.output;
  Ran ahead = cluster_->Shoal("events --after 999999");
  EXPECT_EQ(ahead.exit_code, 64) << ahead.output;
  EXPECT_NE(ahead.output.find("cursor 999999 is past this node's newest event"), std::string::npos)
      << ahead.output;

  // JSON (here from node-b's stream, which started at the same time but
  // prints nothing until its first event) carries the origin and its
  // sequence number. Bounded: a few more processes if its watch was late.
  auto has_origin = [&] {
    return ReadFile(json_out).find("\"origin\":\"node-c\"") != std::string::npos;
  };
  for (int i = 0; i < 10 && !has_origin(); ++i) {
    ASSERT_NE(Spawn("node-c", "hello.wasm"), 0u);
    WaitUntil(has_origin, std::chrono::seconds(3));
  }
  std::string json = ReadFile(json_out);
  EXPECT_NE(json.find("\"origin\":\"node-c\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"origin_seq\":\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"observed_by\":\"node-b\""), std::string::npos) << json;
}

// The origin, event and details columns of a `shoal events` row.
std::string Row(const std::string& origin, const std::string& kind, const std::string& details) {
  char row[256];
  std::snprintf(row, sizeof row, "  %-12s  %-17s  %s", origin.c_str(), kind.c_str(),
                details.c_str());
  return row;
}

TEST_F(ClusterTest, WatchShowsMembershipChangesSeenByOtherNodes) {
  std::string out = cluster_->dir() + "/events.txt";
  Background watch(std::string(SHOAL_BIN) + " events" + cluster_->ConnectionFlags(0), out);
  auto wait_for = [&](const std::string& text) { return WaitForText(out, text); };
  ASSERT_TRUE(wait_for("ORIGIN")) << ReadFile(out);
  cluster_->Kill9(2);
  // node-b's failure detector's view reaches node-a's stream too.
  EXPECT_TRUE(wait_for(Row("node-b", "node dead", "node=node-c"))) << ReadFile(out);
  EXPECT_TRUE(wait_for(Row("node-a", "node dead", "node=node-c"))) << ReadFile(out);
  cluster_->Start(2);
  EXPECT_TRUE(wait_for(Row("node-b", "node up", "node=node-c"))) << ReadFile(out);
  EXPECT_TRUE(wait_for(Row("node-a", "node restarted", "node=node-c"))) << ReadFile(out);
}

// A node cut off long enough to be declared dead (a partition; here its
// daemon stalled with SIGSTOP) comes back with its processes: every node
// lists each of them once, running, and the event stream says they were
// found again, as it said they were lost.
TEST_F(ClusterTest, ANodeCutOffAndBackHasItsProcessesFoundNotLostOrListedTwice) {
  uint64_t pid = Spawn("node-c", "life.wasm 1000000000 1000");
  ASSERT_NE(pid, 0u);
  std::string out = cluster_->dir() + "/events.txt";
  Background watch(std::string(SHOAL_BIN) + " events" + cluster_->ConnectionFlags(0), out);
  ASSERT_TRUE(WaitForText(out, "ORIGIN")) << ReadFile(out);
  // Let a heartbeat carry the new process to the others.
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * TestCluster::kHeartbeatMs));
  std::string row = "\"pid\":\"" + std::to_string(pid) + "\"";

  cluster_->Signal(2, SIGSTOP);
  ASSERT_TRUE(cluster_->WaitNodeState("node-c", "NODE_STATE_DEAD"));
  Ran ps = cluster_->Shoal("ps -o json");
  EXPECT_NE(ps.output.find("PROCESS_STATE_LOST"), std::string::npos) << ps.output;
  std::string pid_text = "pid=" + std::to_string(pid);
  EXPECT_TRUE(WaitForText(out, Row("node-a", "process lost", "node=node-c " + pid_text)))
      << ReadFile(out);

  cluster_->Signal(2, SIGCONT);
  ASSERT_TRUE(cluster_->WaitNodeState("node-c", "NODE_STATE_UP"));
  // Every node converges on one record of it: running on node-c.
  for (int i = 0; i < 3; ++i) {
    Ran listed;
    bool converged = WaitUntil([&] {
      listed = cluster_->ShoalAt(i, "ps -o json");
      size_t first = listed.output.find(row);
      return first != std::string::npos &&
             listed.output.find(row, first + 1) == std::string::npos &&
             listed.output.find("PROCESS_STATE_LOST") == std::string::npos &&
             listed.output.find("PROCESS_STATE_RUNNING", first) != std::string::npos;
    });
    EXPECT_TRUE(converged) << "node " << i << ": " << listed.output;
  }
  EXPECT_TRUE(WaitForText(out, Row("node-a", "process found", "node=node-c " + pid_text)))
      << ReadFile(out);
  // The same member life: back, not restarted.
  EXPECT_TRUE(WaitForText(out, Row("node-a", "node up", "node=node-c"))) << ReadFile(out);
  EXPECT_EQ(ReadFile(out).find("node restarted"), std::string::npos) << ReadFile(out);
  Ran wait = cluster_->Shoal("kill " + std::to_string(pid));
  EXPECT_EQ(wait.exit_code, 0) << wait.output;
}

TEST_F(ClusterTest, MetricsCountProcessesHeartbeatsAndRpcs) {
  uint64_t pid = Spawn("node-a", "hello.wasm");
  ASSERT_NE(pid, 0u);
  ASSERT_EQ(cluster_->Shoal("wait " + std::to_string(pid)).exit_code, 0);
  auto scrape = [&] {
    return Shell(
        "/usr/bin/python3 -c 'import sys, urllib.request; "
        "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' " +
        cluster_->metrics_url());
  };
  // A loaded machine may not have seen node-a's first heartbeat succeed yet
  // (the peers were still starting): scrape until one has, bounded.
  Ran r = scrape();
  WaitUntil([&] {
    r = scrape();
    return r.exit_code == 0 &&
           r.output.find("shoal_heartbeats_sent_total 0\n") == std::string::npos;
  });
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("shoal_members{state=\"up\"} 3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("shoal_processes_started_total 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("shoal_processes{state=\"ended\"} 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("shoal_rpcs_total{service=\"Admin\",method=\"Spawn\",code=\"0\"} 1"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("shoal_heartbeats_sent_total 0\n"), std::string::npos) << r.output;
  // The kernel's load; hello made host calls (fd_write at least).
  EXPECT_NE(r.output.find("shoal_kernel_workers "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("shoal_kernel_busy_workers "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("shoal_kernel_run_queue_length "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("shoal_kernel_host_calls_total "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("shoal_kernel_host_calls_total 0\n"), std::string::npos) << r.output;
}

TEST_F(ClusterTest, RunOnANodeWithAMemoryCap) {
  Ran over = cluster_->Shoal("run --on node-b --memory 64K " + kApps + "/hello.wasm");
  EXPECT_EQ(over.exit_code, 71) << over.output;
  EXPECT_NE(over.output.find("the module needs 128 KiB of initial memory, over its cap of 64 KiB"),
            std::string::npos)
      << over.output;
  Ran fits =
      cluster_->Shoal("run --on node-b --memory 2G --follow " + kApps + "/hello.wasm capped");
  EXPECT_EQ(fits.exit_code, 0) << fits.output;
  EXPECT_NE(fits.output.find("hello, capped"), std::string::npos) << fits.output;
}

TEST_F(ClusterTest, ChildrenAGuestSpawnsGetClusterWidePidsAndShowInPs) {
  Ran run = cluster_->Shoal("run --on node-b --dir " + kApps + " " + kApps + "/spawner.wasm 3");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  unsigned long long parent = 0;
  ASSERT_EQ(std::sscanf(run.output.c_str(), "started %llu", &parent), 1) << run.output;
  Ran wait = cluster_->Shoal("wait " + std::to_string(parent));
  ASSERT_EQ(wait.exit_code, 0) << wait.output;

  Ran ps = cluster_->Shoal("ps --node node-b -o json");
  ASSERT_EQ(ps.exit_code, 0) << ps.output;
  std::regex pid_field("\"pid\":\"([0-9]+)\"");
  std::vector<uint64_t> pids;
  for (std::sregex_iterator it(ps.output.begin(), ps.output.end(), pid_field), end; it != end;
       ++it) {
    pids.push_back(std::stoull((*it)[1]));
  }
  ASSERT_EQ(pids.size(), 4u) << ps.output;  // The parent and its three children.
  for (uint64_t pid : pids) EXPECT_EQ(pid & 0xfff, 2u) << pid;  // node-b allocated them all.
  EXPECT_NE(ps.output.find("\"child\",\"2\""), std::string::npos) << ps.output;
  EXPECT_NE(ps.output.find("\"cpu_ns\""), std::string::npos) << ps.output;

  Ran table = cluster_->Shoal("ps --node node-b");
  EXPECT_NE(table.output.find("CPU"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("exited 144"), std::string::npos) << table.output;  // fib(12).
}

TEST(ShoaldStartTest, InsecureDevIsRefusedOffLoopback) {
  Ran r = Shell(std::string(SHOALD_BIN) +
                " --node-name x --node-id 1 --insecure-dev --admin-listen 0.0.0.0:" +
                std::to_string(FreePort()) + " --data-dir /tmp/shoal-never-created");
  EXPECT_EQ(r.exit_code, 64) << r.output;
  EXPECT_NE(r.output.find("--insecure-dev is only allowed when every address is loopback"),
            std::string::npos)
      << r.output;
}

TEST(ShoaldStartTest, WithoutCredentialsItRefusesToStart) {
  Ran r = Shell(std::string(SHOALD_BIN) + " --node-name x --node-id 1 --data-dir /tmp/x");
  EXPECT_EQ(r.exit_code, 64) << r.output;
  EXPECT_NE(r.output.find("TLS material is required"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace shoal::testing
