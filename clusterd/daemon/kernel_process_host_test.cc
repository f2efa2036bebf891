#include "clusterd/daemon/kernel_process_host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include "kernel/object/directory.h"

namespace shoal::clusterd {
namespace {

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

std::string AppPath(const std::string& name) {
  return std::string(SHOAL_APPS_DIR) + "/" + name + ".wasm";
}

// A hand-written module of kernel/proc/testdata.
std::vector<uint8_t> TestModule(const std::string& name) {
  std::vector<uint8_t> bytes =
      ReadFile(std::string(SHOAL_PROC_TESTDATA_DIR) + "/" + name + ".wasm");
  EXPECT_FALSE(bytes.empty()) << name << ".wasm is missing: is wat2wasm installed?";
  return bytes;
}

Deadline In(std::chrono::milliseconds ms) { return std::chrono::steady_clock::now() + ms; }
Deadline In(int seconds) { return In(std::chrono::milliseconds(seconds * 1000)); }

SpawnSpec Spec(uint64_t pid, std::vector<uint8_t> module, std::vector<std::string> args) {
  SpawnSpec spec;
  spec.pid = pid;
  spec.module_bytes = std::move(module);
  spec.args = std::move(args);
  return spec;
}

std::unique_ptr<KernelProcessHost> NewHost(KernelProcessHostOptions options = {}) {
  Result<std::unique_ptr<KernelProcessHost>> host = KernelProcessHost::Create(std::move(options));
  EXPECT_TRUE(host.ok()) << host.error().message;
  return host.ok() ? std::move(*host) : nullptr;
}

size_t OsThreads() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

TEST(KernelProcessHostTest, OutputAndExitAreKeptAfterTheProcessEnds) {
  std::unique_ptr<KernelProcessHost> host = NewHost();
  ASSERT_TRUE(host);
  ASSERT_TRUE(
      host->Spawn(Spec(1, ReadFile(AppPath("hello")), {"hello.wasm", "there", "--exit=5"})).ok());
  Result<ExitStatus> exit = host->Wait(1, In(60));
  ASSERT_TRUE(exit.ok()) << exit.error().message;
  EXPECT_EQ(exit->code, 5);
  EXPECT_EQ(exit->reason, ExitReason::kExited);
  Result<ConsoleRead> read = host->ReadConsole(1, 0, 1 << 20, In(0));
  ASSERT_TRUE(read.ok());
  std::string all;
  for (const ConsoleChunk& c : read->chunks) all.append(c.bytes.begin(), c.bytes.end());
  EXPECT_NE(all.find("hello, there"), std::string::npos) << all;
  EXPECT_TRUE(read->ended);
  std::optional<ProcessInfo> info = host->Get(1);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->running());
  EXPECT_GT(info->fuel_used, 0u);
  EXPECT_GT(info->cpu_ns, 0u);
  EXPECT_GT(host->Load().host_calls, 0u);  // At least the fd_write and proc_exit.
}

TEST(KernelProcessHostTest, KillEndsABusyInfiniteLoopAndReportsItsCpu) {
  std::unique_ptr<KernelProcessHost> host = NewHost();
  ASSERT_TRUE(host);
  ASSERT_TRUE(host->Spawn(Spec(2, TestModule("spin"), {"spin"})).ok());
  // Running processes report their accounting so far.
  std::optional<ProcessInfo> info;
  for (int i = 0; i < 1000; ++i) {
    info = host->Get(2);
    if (info && info->fuel_used > 0 && info->cpu_ns > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->running());
  EXPECT_GT(info->fuel_used, 0u);
  EXPECT_GT(info->cpu_ns, 0u);
  Result<bool> killed = host->Kill(2);
  ASSERT_TRUE(killed.ok());
  EXPECT_TRUE(*killed);
  Result<ExitStatus> exit = host->Wait(2, In(60));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->reason, ExitReason::kKilled);
  EXPECT_EQ(exit->code, 137);
  EXPECT_FALSE(*host->Kill(2));  // Already ended.
  EXPECT_GE(host->Get(2)->fuel_used, info->fuel_used);
}

TEST(KernelProcessHostTest, WaitReportsShouldWaitUntilTheProcessEnds) {
  std::unique_ptr<KernelProcessHost> host = NewHost();
  ASSERT_TRUE(host);
  ASSERT_TRUE(host->Spawn(Spec(3, TestModule("spin"), {"spin"})).ok());
  Result<ExitStatus> early = host->Wait(3, In(std::chrono::milliseconds(50)));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().status, Status::kShouldWait);
  ASSERT_TRUE(host->Kill(3).ok());
  Result<ExitStatus> late = host->Wait(3, In(60));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->reason, ExitReason::kKilled);

  ASSERT_TRUE(host->Spawn(Spec(4, TestModule("sleeper"), {"sleeper"})).ok());
  Result<ExitStatus> slept = host->Wait(4, In(60));
  ASSERT_TRUE(slept.ok());
  EXPECT_EQ(slept->reason, ExitReason::kExited);
  EXPECT_EQ(slept->code, 3);
}

TEST(KernelProcessHostTest, MalformedModulesAndTakenPidsAreRefusedBeforeRunning) {
  std::unique_ptr<KernelProcessHost> host = NewHost();
  ASSERT_TRUE(host);
  VoidResult junk = host->Spawn(Spec(5, {'n', 'o', 'p', 'e'}, {"junk"}));
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().status, Status::kMalformed);
  EXPECT_FALSE(host->Get(5));
  EXPECT_TRUE(host->List().empty());
  EXPECT_EQ(host->Load().live_processes, 0u);

  // Taken while it runs, and after it ended while it is retained.
  ASSERT_TRUE(host->Spawn(Spec(6, TestModule("spin"), {"spin"})).ok());
  VoidResult again = host->Spawn(Spec(6, TestModule("exit42"), {"exit42"}));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, Status::kAlreadyExists);
  ASSERT_TRUE(host->Kill(6).ok());
  ASSERT_TRUE(host->Wait(6, In(60)).ok());
  VoidResult after = host->Spawn(Spec(6, TestModule("exit42"), {"exit42"}));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().status, Status::kAlreadyExists);
  EXPECT_EQ(host->Get(6)->exit->reason, ExitReason::kKilled);  // Still the first one.
}

TEST(KernelProcessHostTest, UnknownPidsAreNotFound) {
  std::unique_ptr<KernelProcessHost> host = NewHost();
  ASSERT_TRUE(host);
  EXPECT_EQ(host->Kill(99).error().status, Status::kNotFound);
  EXPECT_EQ(host->Wait(99, In(0)).error().status, Status::kNotFound);
  EXPECT_EQ(host->ReadConsole(99, 0, 10, In(0)).error().status, Status::kNotFound);
}

TEST(KernelProcessHostTest, ManySleepingProcessesShareTwoWorkers) {
  constexpr uint64_t kProcesses = 500;
  KernelProcessHostOptions options;
  options.workers = 2;
  options.max_ended_retained = kProcesses;
  std::unique_ptr<KernelProcessHost> host = NewHost(options);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->Load().workers, 2u);
  std::vector<uint8_t> sleeper = TestModule("sleeper");
  size_t most_threads = 0, most_live = 0;
  for (uint64_t pid = 1; pid <= kProcesses; ++pid) {
    ASSERT_TRUE(host->Spawn(Spec(pid, sleeper, {"sleeper"})).ok()) << pid;
    if (pid % 25 == 0) {
      most_threads = std::max(most_threads, OsThreads());
      most_live = std::max(most_live, host->Load().live_processes);
    }
  }
  std::printf("%zu processes alive at once at most, %zu OS threads at most\n", most_live,
              most_threads);
  // A thread per process would add one per live process; the kernel adds its
  // workers and reactor only, whatever else this test binary runs.
  EXPECT_LT(most_threads, 64u);
  for (uint64_t pid = 1; pid <= kProcesses; ++pid) {
    Result<ExitStatus> exit = host->Wait(pid, In(120));
    ASSERT_TRUE(exit.ok()) << pid;
    EXPECT_EQ(exit->code, 3) << pid;
  }
  EXPECT_EQ(host->List().size(), kProcesses);
  EXPECT_EQ(host->Load().live_processes, 0u);
}

// What an Observer saw of one pid: true for a start, false for an end.
using Sightings = std::map<uint64_t, std::vector<bool>>;

TEST(KernelProcessHostTest, TheObserverSeesEachStartAndEndOnce) {
  std::mutex mu;
  Sightings seen;
  {
    std::unique_ptr<KernelProcessHost> host = NewHost();
    ASSERT_TRUE(host);
    host->SetObserver([&](const ProcessInfo& info) {
      std::lock_guard lock(mu);
      seen[info.pid].push_back(info.running());
    });
    ASSERT_TRUE(host->Spawn(Spec(10, TestModule("exit42"), {"exit42"})).ok());
    ASSERT_TRUE(host->Spawn(Spec(11, TestModule("spin"), {"spin"})).ok());
    ASSERT_TRUE(host->Spawn(Spec(12, TestModule("spin"), {"spin"})).ok());
    ASSERT_FALSE(host->Spawn(Spec(13, {0, 'a', 's', 'm'}, {"bad"})).ok());
    ASSERT_TRUE(host->Wait(10, In(60)).ok());
    ASSERT_TRUE(host->Kill(11).ok());
    ASSERT_TRUE(host->Wait(11, In(60)).ok());
    // 12 still runs when the host goes: it ends killed, and is seen to.
  }
  Sightings expected = {{10, {true, false}}, {11, {true, false}}, {12, {true, false}}};
  EXPECT_EQ(seen, expected);
}

// The whole console output of `pid`.
std::string ConsoleOf(KernelProcessHost& host, uint64_t pid) {
  Result<ConsoleRead> read = host.ReadConsole(pid, 0, 1 << 20, In(0));
  std::string all;
  if (read.ok()) {
    for (const ConsoleChunk& c : read->chunks) all.append(c.bytes.begin(), c.bytes.end());
  }
  return all;
}

TEST(KernelProcessHostTest, ChildrenOfAGuestGetAllocatedPidsAndAreListed) {
  std::atomic<uint64_t> next_pid{1000};
  KernelProcessHostOptions options;
  options.allocate_pid = [&]() -> Result<uint64_t> { return next_pid++; };
  // Declared before the host, which reports to them until it is destroyed.
  std::mutex mu;
  Sightings seen;
  std::unique_ptr<KernelProcessHost> host = NewHost(options);
  ASSERT_TRUE(host);
  host->SetObserver([&](const ProcessInfo& info) {
    std::lock_guard lock(mu);
    seen[info.pid].push_back(info.running());
  });
  SpawnSpec spec = Spec(1, ReadFile(AppPath("spawner")), {AppPath("spawner"), "3"});
  spec.preopens.push_back({SHOAL_APPS_DIR, SHOAL_APPS_DIR});
  ASSERT_TRUE(host->Spawn(std::move(spec)).ok());
  Result<ExitStatus> parent = host->Wait(1, In(60));
  ASSERT_TRUE(parent.ok());
  EXPECT_EQ(parent->code, 0);
  // The parent waited for its children, so all three are known and ended.
  for (uint64_t pid = 1000; pid < 1003; ++pid) {
    std::optional<ProcessInfo> child = host->Get(pid);
    ASSERT_TRUE(child) << pid;
    EXPECT_FALSE(child->running());
    ASSERT_EQ(child->args.size(), 3u);
    EXPECT_EQ(child->args[0], AppPath("spawner"));
    EXPECT_EQ(child->args[1], "child");
    Result<ExitStatus> exit = host->Wait(pid, In(60));
    ASSERT_TRUE(exit.ok());
    EXPECT_EQ(exit->reason, ExitReason::kExited);  // Child i exits fib(10 + i) % 256.
    EXPECT_EQ(exit->code, std::vector<int>({55, 89, 144})[pid - 1000]);
  }
  EXPECT_EQ(host->List().size(), 4u);
  // The children wrote to their parent's log, which each of them reads.
  std::string log = ConsoleOf(*host, 1);
  EXPECT_NE(log.find("child 2: fib(12) = 144\n"), std::string::npos) << log;
  EXPECT_NE(log.find("spawner: 3 children done"), std::string::npos) << log;
  EXPECT_EQ(ConsoleOf(*host, 1001), log);
  // An exit is reported to the observer on the kernel's thread, possibly
  // after Wait() returned; once the host is gone every report has been made.
  host.reset();
  std::lock_guard lock(mu);
  for (uint64_t pid : {1ull, 1000ull, 1001ull, 1002ull}) {
    EXPECT_EQ(seen[pid], (std::vector<bool>{true, false})) << pid;
  }
}

// What the host's spawner answers (it answers before Spawn returns).
Result<kernel::HandleEntry> SpawnThrough(kernel::SpawnerOps& spawner, kernel::SpawnSpec spec) {
  std::optional<Result<kernel::HandleEntry>> answer;
  spawner.Spawn(std::move(spec),
                [&](Result<kernel::HandleEntry> entry) { answer = std::move(entry); });
  EXPECT_TRUE(answer.has_value());
  return answer ? std::move(*answer) : MakeError(Status::kInternal, "no answer");
}

TEST(KernelProcessHostTest, TheSpawnersProcessesAreTheHostsOwnAndItStopsWithTheHost) {
  KernelProcessHostOptions options;
  options.allocate_pid = []() -> Result<uint64_t> { return 4242; };
  std::unique_ptr<KernelProcessHost> host = NewHost(options);
  ASSERT_TRUE(host);
  kernel::Ref<kernel::SpawnerOps> spawner = host->spawner();
  kernel::SpawnSpec spec;
  spec.module = ReadFile(AppPath("hello"));
  spec.args = {"hello.wasm", "from afar", "--exit=3"};
  Result<kernel::HandleEntry> child = SpawnThrough(*spawner, std::move(spec));
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_EQ(child->object->type(), kernel::ObjectType::kProcess);

  // Listed under a pid of allocate_pid, with its own console.
  Result<ExitStatus> exit = host->Wait(4242, In(60));
  ASSERT_TRUE(exit.ok()) << exit.error().message;
  EXPECT_EQ(exit->code, 3);
  EXPECT_NE(ConsoleOf(*host, 4242).find("hello, from afar"), std::string::npos);

  // A taken pid is refused and the handles are given up.
  kernel::SpawnSpec again;
  again.module = ReadFile(AppPath("hello"));
  Result<kernel::HandleEntry> taken = SpawnThrough(*spawner, std::move(again));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().status, Status::kAlreadyExists);

  // Handles to the spawner outlive the host: they say the node is gone.
  host.reset();
  kernel::SpawnSpec late;
  late.module = ReadFile(AppPath("hello"));
  Result<kernel::HandleEntry> after = SpawnThrough(*spawner, std::move(late));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().status, Status::kPeerGone);
}

TEST(KernelProcessHostTest, APreopenCanBeADirectoryHandleBoundedByItsRights) {
  std::unique_ptr<KernelProcessHost> host = NewHost();
  ASSERT_TRUE(host);
  std::string root = ::testing::TempDir() + "/preopen-handle-" + std::to_string(::getpid());
  std::filesystem::create_directories(root);
  std::ofstream(root + "/notes.txt") << "one two\nthree\n";
  auto open = [&]() {
    auto dir = kernel::Directory::OpenRoot(root, host->file_io());
    EXPECT_TRUE(dir.ok());
    return std::move(dir).value();
  };
  const kernel::Rights kReadOnly = kernel::Rights::kRead | kernel::Rights::kWait;

  // Read through the handle: wc sees the file under the guest path.
  SpawnSpec wc = Spec(1, ReadFile(AppPath("wc")), {"wc.wasm", "/data/notes.txt"});
  wc.preopens.push_back({"a handle", "/data", kernel::HandleEntry{open(), kReadOnly}});
  ASSERT_TRUE(host->Spawn(std::move(wc)).ok());
  Result<ExitStatus> counted = host->Wait(1, In(60));
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->code, 0) << ConsoleOf(*host, 1);
  EXPECT_NE(ConsoleOf(*host, 1).find("2       3      14 /data/notes.txt"), std::string::npos)
      << ConsoleOf(*host, 1);

  // A read-only handle makes a read-only preopen: files cannot create.
  SpawnSpec ro = Spec(2, ReadFile(AppPath("files")), {"files.wasm", "/data"});
  ro.preopens.push_back({"a handle", "/data", kernel::HandleEntry{open(), kReadOnly}});
  ASSERT_TRUE(host->Spawn(std::move(ro)).ok());
  Result<ExitStatus> refused = host->Wait(2, In(60));
  ASSERT_TRUE(refused.ok());
  EXPECT_NE(refused->code, 0) << ConsoleOf(*host, 2);
  EXPECT_NE(ConsoleOf(*host, 2).find("FAIL mkdir sub"), std::string::npos) << ConsoleOf(*host, 2);

  // With kWrite too, everything files does works.
  SpawnSpec rw = Spec(3, ReadFile(AppPath("files")), {"files.wasm", "/data"});
  rw.preopens.push_back(
      {"a handle", "/data", kernel::HandleEntry{open(), kReadOnly | kernel::Rights::kWrite}});
  ASSERT_TRUE(host->Spawn(std::move(rw)).ok());
  Result<ExitStatus> wrote = host->Wait(3, In(60));
  ASSERT_TRUE(wrote.ok());
  EXPECT_EQ(wrote->code, 0) << ConsoleOf(*host, 3);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace shoal::clusterd
