#include "clusterd/daemon/thread_process_host.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace shoal::clusterd {
namespace {

std::vector<uint8_t> App(const std::string& name) {
  std::ifstream in(std::string(SHOAL_APPS_DIR) + "/" + name + ".wasm", std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

Deadline In(int seconds) {
  return std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
}

SpawnSpec Spec(uint64_t pid, const std::string& app, std::vector<std::string> args) {
  SpawnSpec spec;
  spec.pid = pid;
  spec.module_bytes = App(app);
  spec.args = std::move(args);
  return spec;
}

TEST(ThreadProcessHostTest, OutputAndExitAreKeptAfterTheProcessEnds) {
  ThreadProcessHost host;
  ASSERT_TRUE(host.Spawn(Spec(1, "hello", {"hello.wasm", "there", "--exit=5"})).ok());
  Result<ExitInfo> exit = host.Wait(1, In(60));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->code, 5);
  EXPECT_EQ(exit->kind, ExitKind::kExited);
  Result<ConsoleRead> read = host.ReadConsole(1, 0, 1 << 20, In(0));
  ASSERT_TRUE(read.ok());
  std::string all;
  for (const ConsoleChunk& c : read->chunks) all += c.data;
  EXPECT_NE(all.find("hello, there"), std::string::npos) << all;
  EXPECT_TRUE(read->ended);
  std::optional<ProcessInfo> info = host.Get(1);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->running());
  EXPECT_GT(info->fuel_used, 0u);
}

TEST(ThreadProcessHostTest, KillStopsALongRunningProcess) {
  ThreadProcessHost host;
  ASSERT_TRUE(host.Spawn(Spec(2, "life", {"life.wasm", "1000000000", "1000"})).ok());
  Result<bool> killed = host.Kill(2);
  ASSERT_TRUE(killed.ok());
  EXPECT_TRUE(*killed);
  Result<ExitInfo> exit = host.Wait(2, In(60));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->kind, ExitKind::kKilled);
  EXPECT_EQ(exit->code, 137);
  EXPECT_FALSE(*host.Kill(2));  // Already ended.
}

TEST(ThreadProcessHostTest, MalformedModulesAndTakenPidsAreRefusedBeforeRunning) {
  ThreadProcessHost host;
  SpawnSpec junk;
  junk.pid = 3;
  junk.module_bytes = {'n', 'o', 'p', 'e'};
  VoidResult r = host.Spawn(std::move(junk));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kMalformed);
  EXPECT_FALSE(host.Get(3));
  ASSERT_TRUE(host.Spawn(Spec(4, "hello", {"hello.wasm"})).ok());
  VoidResult again = host.Spawn(Spec(4, "hello", {"hello.wasm"}));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, Status::kAlreadyExists);
}

TEST(ThreadProcessHostTest, UnknownPidsAreNotFound) {
  ThreadProcessHost host;
  EXPECT_EQ(host.Kill(99).error().status, Status::kNotFound);
  EXPECT_EQ(host.Wait(99, In(0)).error().status, Status::kNotFound);
  EXPECT_EQ(host.ReadConsole(99, 0, 10, In(0)).error().status, Status::kNotFound);
}

TEST(ThreadProcessHostTest, EndedProcessesBeyondTheRetentionBoundAreForgotten) {
  ThreadProcessHost host(ThreadProcessHostOptions{1024, 2});
  for (uint64_t pid = 10; pid < 15; ++pid) {
    ASSERT_TRUE(host.Spawn(Spec(pid, "hello", {"hello.wasm"})).ok());
    ASSERT_TRUE(host.Wait(pid, In(60)).ok());
  }
  EXPECT_EQ(host.List().size(), 2u);
  EXPECT_TRUE(host.Get(14));
  EXPECT_FALSE(host.Get(10));
}

}  // namespace
}  // namespace shoal::clusterd
