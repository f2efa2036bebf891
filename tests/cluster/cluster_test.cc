// A 3-node cluster of real shoald processes over TLS on 127.0.0.1, driven
// through the real `shoal` CLI (and an independent Python gRPC client):
// spawn, ps, logs, kill and wait across nodes; a daemon killed with SIGKILL
// is marked dead and its processes lost, and rejoins when restarted;
// unauthenticated and bad requests get precise errors.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
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
  EXPECT_NE(junk.output.find("cannot start the module on node node-b"), std::string::npos)
      << junk.output;
  EXPECT_NE(junk.output.find("magic header"), std::string::npos) << junk.output;

  Ran no_node = cluster_->Shoal("run --on node-z " + kApps + "/hello.wasm");
  EXPECT_EQ(no_node.exit_code, 79) << no_node.output;
  EXPECT_NE(no_node.output.find("unknown node 'node-z'"), std::string::npos) << no_node.output;

  Ran migrate = cluster_->Shoal("migrate 4097 --to node-b");
  EXPECT_EQ(migrate.exit_code, 76) << migrate.output;
  EXPECT_NE(migrate.output.find("not implemented"), std::string::npos) << migrate.output;
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

TEST_F(ClusterTest, EventsStreamProcessStartsAndEnds) {
  Ran events;
  std::thread watcher([&] { events = cluster_->Shoal("events --count 2"); });
  // Give the watch time to be in place (events before it are not sent).
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  uint64_t pid = Spawn("node-a", "hello.wasm");
  ASSERT_NE(pid, 0u);
  watcher.join();
  EXPECT_EQ(events.exit_code, 0) << events.output;
  EXPECT_NE(events.output.find("process started  node=node-a pid=" + std::to_string(pid)),
            std::string::npos)
      << events.output;
  EXPECT_NE(events.output.find("process exited  node=node-a pid=" + std::to_string(pid)),
            std::string::npos)
      << events.output;
}

TEST_F(ClusterTest, MetricsCountProcessesHeartbeatsAndRpcs) {
  uint64_t pid = Spawn("node-a", "hello.wasm");
  ASSERT_NE(pid, 0u);
  ASSERT_EQ(cluster_->Shoal("wait " + std::to_string(pid)).exit_code, 0);
  Ran r = Shell(
      "/usr/bin/python3 -c 'import sys, urllib.request; "
      "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' " +
      cluster_->metrics_url());
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
