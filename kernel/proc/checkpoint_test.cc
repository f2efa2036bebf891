// Kernel-level checkpoint and restore: Freeze a running process, Prepare
// its image in another kernel (another node, as far as the process can
// tell), Release the source and Start the copy; or Thaw it where it was.
// The output of a process moved in the middle of its run must equal an
// uninterrupted run's, byte for byte.
#include "kernel/proc/checkpoint.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <tuple>

#include "kernel/base/temp_dir.h"
#include "kernel/object/channel.h"
#include "kernel/proc/proc_test_support.h"

namespace shoal::kernel {
namespace {

using testing::kWaitLimit;
using testing::OneWorkerKernel;
using testing::RequestFor;
using testing::TextOf;
using testing::WaitCode;

SpawnRequest LifeRequest(const std::string& generations) {
  SpawnRequest request;
  request.module_path = std::string(SHOAL_APPS_DIR) + "/life.wasm";
  request.args = {"life", generations, "50", "24"};
  return request;
}

// What `request` prints when nothing interrupts it.
std::string Uninterrupted(SpawnRequest request) {
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  EXPECT_TRUE(spawned.ok()) << spawned.error().message;
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), 0);
  return TextOf(spawned->console);
}

// A request to restore `image` (a copy) under `pid` (0: the image's).
RestoreRequest RestoreOf(const ProcessImage& image, uint64_t pid = 0) {
  RestoreRequest request;
  request.image = image;
  request.pid = pid;
  return request;
}

// Freezes `pid` with `memory` (kDelta or kLazy): null (and a failure)
// unless its image carries its one memory ahead, none whole.
std::unique_ptr<FrozenProcess> FreezeAhead(Kernel& kernel, uint64_t pid, FreezeMemory memory) {
  Result<std::unique_ptr<FrozenProcess>> frozen =
      kernel.Freeze(pid, {std::chrono::seconds(10), memory});
  EXPECT_TRUE(frozen.ok()) << frozen.error().message;
  if (!frozen.ok()) return nullptr;
  const ProcessImage& image = (*frozen)->image();
  EXPECT_TRUE(image.instance.memories.empty());
  const bool one_ahead = image.memories_ahead.has_value() && image.memories_ahead->size() == 1;
  EXPECT_TRUE(one_ahead);
  return one_ahead ? std::move(frozen).value() : nullptr;
}

// Moves `frozen` from its kernel into `to`: prepare, release, start; with
// `ahead`, the memories that went ahead of its image.
Result<SpawnResult> Move(std::unique_ptr<FrozenProcess> frozen, Kernel& to,
                         std::vector<std::unique_ptr<vm::Memory>> ahead = {}) {
  RestoreRequest request;
  request.image = frozen->image();
  request.memories_ahead = std::move(ahead);
  std::unique_ptr<PreparedProcess> prepared = TRY(to.Prepare(std::move(request)));
  Result<SpawnResult> started = to.Start(std::move(prepared));
  if (started.ok()) frozen->Release(started->object);
  return started;
}

TEST(CheckpointTest, AProcessMovedBetweenKernelsPrintsWhatAnUnmovedOneDoes) {
  const std::string expected = Uninterrupted(LifeRequest("1500"));
  ASSERT_NE(expected.find("gen 1500 "), std::string::npos) << expected;

  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  Result<SpawnResult> first = a->Spawn(LifeRequest("1500"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  // Let it print something before it moves, so that the move is mid-run.
  ASSERT_TRUE(testing::WaitUntil([&] { return TextOf(first->console).size() > 0; }));

  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(first->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const ProcessImage& image = (*frozen)->image();
  EXPECT_EQ(image.pid, first->pid);
  EXPECT_FALSE(image.thread.frames.empty());
  EXPECT_GT(image.fuel_used, 0u);
  const std::string before = TextOf(first->console);
  EXPECT_EQ(std::string(image.console.bytes.begin(), image.console.bytes.end()), before);
  EXPECT_EQ(image.console.runs, (std::vector<ConsoleRun>{{0, ConsoleStream::kStdout}}));

  Result<SpawnResult> moved = Move(std::move(frozen).value(), *b);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->pid, first->pid);
  EXPECT_EQ(WaitCode(*b, moved->pid), 0);
  // The restored console continues the old one: same offsets, all the text.
  EXPECT_EQ(TextOf(moved->console), expected);
  EXPECT_EQ(TextOf(first->console), before);  // Nothing more ran on a.

  // The source's process object forwards to the moved process's exit.
  std::optional<ExitStatus> status = first->object->WaitExited(kWaitLimit);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->reason, ExitReason::kReturned);
  EXPECT_EQ(a->live_processes(), 0u);
}

// A destination compiles the module while the process still runs on the
// source (Kernel::Compile); what it compiled is the module the process
// then moves with, and a module that does not compile gets the error
// Prepare would answer.
TEST(CheckpointTest, AModuleCompiledAheadServesTheMove) {
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  VoidResult garbage = b->Compile({0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().status, Status::kMalformed) << garbage.error().message;

  Result<SpawnResult> first = a->Spawn(LifeRequest("300"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(first->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  VoidResult compiled = b->Compile(*(*frozen)->image().module);
  ASSERT_TRUE(compiled.ok()) << compiled.error().message;
  Result<SpawnResult> moved = Move(std::move(frozen).value(), *b);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(WaitCode(*b, moved->pid), 0);
  EXPECT_EQ(TextOf(moved->console), Uninterrupted(LifeRequest("300")));
}

// The pre-copy's receiving half, as a destination node keeps it: the
// pages of each round laid into memories of its own.
struct PreCopied {
  std::vector<std::unique_ptr<vm::Memory>> memories;

  // One round: `pages` of each memory, read from the running process.
  void Round(MemoryRounds& rounds, const std::vector<std::vector<uint32_t>>& pages) {
    for (size_t i = 0; i < pages.size(); ++i) {
      if (memories.size() <= i) {
        memories.push_back(std::move(vm::Memory::Create(vm::MemoryType{}).value()));
      }
      vm::Memory& to = *memories[i];
      ASSERT_TRUE(rounds.Read(i, [&](const uint8_t* data, uint64_t size) {
        if (size > to.size_bytes()) {
          ASSERT_TRUE(to.Grow(uint32_t((size - to.size_bytes()) / vm::kPageSize)));
        }
        for (uint32_t page : pages[i]) {
          const uint64_t at = uint64_t(page) * vm::Memory::kDirtyPageSize;
          std::memcpy(to.data() + at, data + at, vm::Memory::kDirtyPageSize);
        }
      }));
    }
  }
};

TEST(CheckpointTest, APreCopiedProcessSendsOnlyItsLastWritesFrozen) {
  const std::string expected = Uninterrupted(LifeRequest("1500"));
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  Result<SpawnResult> first = a->Spawn(LifeRequest("1500"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(testing::WaitUntil([&] { return TextOf(first->console).size() > 0; }));

  Result<std::unique_ptr<MemoryRounds>> rounds = a->StartMemoryRounds(first->pid);
  ASSERT_TRUE(rounds.ok()) << rounds.error().message;
  PreCopied copy;
  std::vector<std::vector<uint32_t>> all = (*rounds)->Take();
  ASSERT_EQ(all.size(), 1u);
  size_t memory_pages = all[0].size();
  EXPECT_GT(memory_pages, 16u);  // The first round is every page.
  copy.Round(**rounds, all);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::vector<std::vector<uint32_t>> dirty = (*rounds)->Take();
    EXPECT_LT(dirty[0].size(), memory_pages);  // Life writes its grids, not its whole memory.
    copy.Round(**rounds, dirty);
  }

  std::unique_ptr<FrozenProcess> frozen = FreezeAhead(*a, first->pid, FreezeMemory::kDelta);
  ASSERT_NE(frozen, nullptr);
  EXPECT_LT((*frozen->image().memories_ahead)[0].pages.size(), memory_pages);

  Result<SpawnResult> moved = Move(std::move(frozen), *b, std::move(copy.memories));
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(WaitCode(*b, moved->pid), 0);
  EXPECT_EQ(TextOf(moved->console), expected);
}

TEST(CheckpointTest, APreCopyIsRefusedWhatCannotMoveBeforeItReadsAPage) {
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(LifeRequest("100000"));
  ASSERT_TRUE(spawned.ok());
  // Without rounds there is no delta to freeze with.
  Result<std::unique_ptr<FrozenProcess>> no_rounds =
      kernel->Freeze(spawned->pid, {std::chrono::seconds(10), FreezeMemory::kDelta});
  ASSERT_FALSE(no_rounds.ok());
  EXPECT_EQ(no_rounds.error().status, Status::kInvalidArgs);
  EXPECT_NE(no_rounds.error().message.find("no pre-copy"), std::string::npos)
      << no_rounds.error().message;
  // One pre-copy at a time; a finished one lets the next start.
  {
    Result<std::unique_ptr<MemoryRounds>> rounds = kernel->StartMemoryRounds(spawned->pid);
    ASSERT_TRUE(rounds.ok()) << rounds.error().message;
    Result<std::unique_ptr<MemoryRounds>> second = kernel->StartMemoryRounds(spawned->pid);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().status, Status::kAlreadyExists);
    (*rounds)->Throttle(0.05);  // Lifted when the rounds end.
  }
  Result<std::unique_ptr<MemoryRounds>> again = kernel->StartMemoryRounds(spawned->pid);
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_TRUE(kernel->Kill(spawned->pid).ok());
  EXPECT_NE(WaitCode(*kernel, spawned->pid), 0);
  // The memories went with the process: reading them now says so.
  EXPECT_TRUE((*again)->Take().empty());
  EXPECT_FALSE((*again)->Read(0, [](const uint8_t*, uint64_t) { FAIL(); }));
}

TEST(CheckpointTest, AProcessCanMoveBackAtOnce) {
  const std::string expected = Uninterrupted(LifeRequest("800"));
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  Result<SpawnResult> first = a->Spawn(LifeRequest("800"));
  ASSERT_TRUE(first.ok());
  Kernel* from = a.get();
  Kernel* to = b.get();
  Result<SpawnResult> last = first;
  for (int move = 0; move < 6; ++move) {  // No pause: its old copy may not have ended yet.
    Result<std::unique_ptr<FrozenProcess>> frozen = from->Freeze(first->pid);
    if (!frozen.ok() && frozen.error().status == Status::kNotFound) break;  // It ended.
    ASSERT_TRUE(frozen.ok()) << frozen.error().message;
    last = Move(std::move(frozen).value(), *to);
    ASSERT_TRUE(last.ok()) << "move " << move << ": " << last.error().message;
    std::swap(from, to);
  }
  EXPECT_EQ(WaitCode(*from, first->pid), 0);
  EXPECT_EQ(TextOf(last->console), expected);
}

TEST(CheckpointTest, AThawedProcessRunsOnAsIfNothingHappened) {
  const std::string expected = Uninterrupted(LifeRequest("600"));
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(LifeRequest("600"));
  ASSERT_TRUE(spawned.ok());
  for (int i = 0; i < 5; ++i) {
    Result<std::unique_ptr<FrozenProcess>> frozen = kernel->Freeze(spawned->pid);
    if (!frozen.ok()) {
      EXPECT_EQ(frozen.error().status, Status::kNotFound);  // It ended first.
      break;
    }
    std::shared_ptr<Process> process = kernel->Find(spawned->pid);
    ASSERT_NE(process, nullptr);
    uint64_t fuel = process->accounting().fuel_used;
    EXPECT_EQ((*frozen)->image().fuel_used, fuel);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(process->accounting().fuel_used, fuel);  // Frozen means frozen.
    // Destroying it thaws.
  }
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), 0);
  EXPECT_EQ(TextOf(spawned->console), expected);
}

TEST(CheckpointTest, ASleepKeepsItsDeadlineAcrossTheMove) {
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  auto started = std::chrono::steady_clock::now();
  Result<SpawnResult> first = a->Spawn(RequestFor("sleeper"));  // Sleeps 20 ms, exits 3.
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(first->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  if ((*frozen)->image().pending_poll) {
    EXPECT_LE((*frozen)->image().pending_poll->remaining_ns, 20'000'000u);
  }
  Result<SpawnResult> moved = Move(std::move(frozen).value(), *b);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(WaitCode(*b, moved->pid), 3);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(20));
}

TEST(CheckpointTest, HandlesMoveWithTheProcessAndKeepWorking) {
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  // Variables, not structured bindings: the lambdas below capture them.
  Ref<Channel> ours, theirs;
  std::tie(ours, theirs) = std::move(Channel::Create()).value();
  SpawnRequest request = RequestFor("echo_channel");
  request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
  Result<SpawnResult> first = a->Spawn(std::move(request));
  ASSERT_TRUE(first.ok());

  auto echo = [&](const std::string& text) {
    std::vector<uint8_t> bytes(text.begin(), text.end());
    EXPECT_TRUE(ours->Write(bytes, {}).ok());
    std::string got;
    EXPECT_TRUE(testing::WaitUntil([&] {
      Result<Message> reply = ours->Read({});
      if (!reply.ok()) return false;
      got.assign(reply->bytes.begin(), reply->bytes.end());
      return true;
    }));
    return got;
  };
  EXPECT_EQ(echo("before"), "before");

  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(first->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  // A message sent while it is frozen waits in the channel for it.
  const std::vector<uint8_t> waiting = {'m', 'i', 'd'};
  ASSERT_TRUE(ours->Write(waiting, {}).ok());
  Result<SpawnResult> moved = Move(std::move(frozen).value(), *b);
  ASSERT_TRUE(moved.ok()) << moved.error().message;

  std::string mid;
  ASSERT_TRUE(testing::WaitUntil([&] {
    Result<Message> reply = ours->Read({});
    if (reply.ok()) mid.assign(reply->bytes.begin(), reply->bytes.end());
    return reply.ok();
  }));
  EXPECT_EQ(mid, "mid");
  EXPECT_EQ(echo("after"), "after");
  ours.reset();  // The peer closes: the echo exits 0.
  EXPECT_EQ(WaitCode(*b, moved->pid), 0);
}

TEST(CheckpointTest, APreopenedDirectoryMovesAsItsHandle) {
  shoal::testing::TempDir tmp;
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  SpawnRequest request = RequestFor("spin");
  request.preopens.push_back({tmp.path(), "/data", {}});
  Result<SpawnResult> first = a->Spawn(std::move(request));
  ASSERT_TRUE(first.ok()) << first.error().message;
  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(first->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const ProcessImage& image = (*frozen)->image();
  auto dir = std::find_if(image.descriptors.begin(), image.descriptors.end(),
                          [](const DescriptorImage& d) { return d.fd == 3; });
  ASSERT_NE(dir, image.descriptors.end());
  EXPECT_EQ(dir->kind, DescriptorKind::kDirectory);
  EXPECT_EQ(dir->preopen_name, "/data");
  auto handle = std::find_if(image.handles.begin(), image.handles.end(),
                             [&](const HandleImage& h) { return h.value == dir->handle; });
  ASSERT_NE(handle, image.handles.end());
  EXPECT_EQ(handle->origin, HandleOrigin::kObject);  // On the wire: a capability.
  EXPECT_EQ(handle->type, ObjectType::kDirectory);
  Result<SpawnResult> moved = Move(std::move(frozen).value(), *b);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  ASSERT_TRUE(b->Kill(moved->pid).ok());
  EXPECT_EQ(WaitCode(*b, moved->pid), kKilledExitCode);
}

// Open files move as their handles with the descriptor's position and
// mode: a copy interrupted by a move goes on where it was, and nothing is
// read, written or appended twice or lost.
TEST(CheckpointTest, OpenFilesMoveWithTheirPositions) {
  shoal::testing::TempDir tmp;
  std::string input;
  for (int i = 0; i < 48; ++i) input += char('a' + i % 26);
  std::ofstream(tmp.Join("input")) << input;
  std::ofstream(tmp.Join("log")) << "before:";
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  SpawnRequest request = RequestFor("trickle_copy");
  request.preopens.push_back({tmp.path(), "/data", {}});
  Result<SpawnResult> first = a->Spawn(std::move(request));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto copied = [&]() -> uint64_t {
    std::error_code absent;
    uint64_t size = std::filesystem::file_size(tmp.Join("output"), absent);
    return absent ? 0 : size;
  };
  ASSERT_TRUE(testing::WaitUntil([&] { return copied() >= 8; }));
  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(first->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const uint64_t done = copied();
  ASSERT_LT(done, input.size()) << "the copy ended before the move";
  std::vector<DescriptorImage> files;
  for (const DescriptorImage& d : (*frozen)->image().descriptors) {
    if (d.kind == DescriptorKind::kFile) files.push_back(d);
  }
  ASSERT_EQ(files.size(), 3u);  // input, output, log (fds 4, 5, 6).
  EXPECT_EQ(files[0].position, done);
  EXPECT_FALSE(files[0].append);
  EXPECT_EQ(files[1].position, done);
  EXPECT_TRUE(files[2].append);
  Result<SpawnResult> moved = Move(std::move(frozen).value(), *b);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(WaitCode(*b, moved->pid), 0);
  std::ifstream output(tmp.Join("output")), log(tmp.Join("log"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(output), {}), input);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(log), {}), "before:" + input);
}

TEST(CheckpointTest, AnOpenFileIsRefusedBeforeAnythingIsFrozen) {
  shoal::testing::TempDir tmp;
  ASSERT_EQ(::mkfifo(tmp.Join("input").c_str(), 0600), 0);
  int held = ::open(tmp.Join("input").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(held, 0);
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  SpawnRequest request = RequestFor("poll_fifo");  // Opens /data/input, parks on it.
  request.preopens.push_back({tmp.path(), "/data", {}});
  request.args.push_back("long");
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  std::shared_ptr<Process> process = kernel->Find(spawned->pid);
  ASSERT_TRUE(testing::WaitUntil([&] { return process->state() == TaskState::kParked; }));
  Result<std::unique_ptr<FrozenProcess>> frozen = kernel->Freeze(spawned->pid);
  ASSERT_FALSE(frozen.ok());
  EXPECT_EQ(frozen.error().status, Status::kNotSupported);
  EXPECT_NE(frozen.error().message.find("descriptor 4 (a file) cannot move"), std::string::npos)
      << frozen.error().message;
  // It runs on, parked on its FIFO: data wakes it (fd_read: userdata 1).
  ASSERT_EQ(::write(held, "x", 1), 1);
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), 1);
  ::close(held);
}

TEST(CheckpointTest, RestoreKeepsThePidOnlyWhenItIsFree) {
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(LifeRequest("400"));
  ASSERT_TRUE(spawned.ok());
  Result<std::unique_ptr<FrozenProcess>> frozen = kernel->Freeze(spawned->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const ProcessImage& image = (*frozen)->image();
  Result<std::unique_ptr<PreparedProcess>> clash = kernel->Prepare(RestoreOf(image));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().status, Status::kAlreadyExists);

  const uint64_t twin_pid = spawned->pid + 1000;  // A checkpoint restored beside its original.
  Result<std::unique_ptr<PreparedProcess>> beside = kernel->Prepare(RestoreOf(image, twin_pid));
  ASSERT_TRUE(beside.ok()) << beside.error().message;
  // A prepared pid is held: nobody else may spawn it.
  SpawnRequest taker = LifeRequest("1");
  taker.pid = twin_pid;
  EXPECT_EQ(kernel->Spawn(std::move(taker)).error().status, Status::kAlreadyExists);
  Result<SpawnResult> twin = kernel->Start(std::move(beside).value());
  ASSERT_TRUE(twin.ok()) << twin.error().message;
  frozen->reset();  // Thaws the original.
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), 0);
  EXPECT_EQ(WaitCode(*kernel, twin->pid), 0);
  EXPECT_EQ(TextOf(twin->console), TextOf(spawned->console));
}

TEST(CheckpointTest, AnImageThatDoesNotFitItsModuleIsRefused) {
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(LifeRequest("300"));
  ASSERT_TRUE(spawned.ok());
  Result<std::unique_ptr<FrozenProcess>> frozen = kernel->Freeze(spawned->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  RestoreRequest bad;
  bad.image = (*frozen)->image();
  bad.pid = 9999;
  ASSERT_FALSE(bad.image.thread.frames.empty());
  bad.image.thread.frames.back().func_index += 100000;
  Result<std::unique_ptr<PreparedProcess>> refused = kernel->Prepare(std::move(bad));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, Status::kInvalidArgs) << refused.error().message;
  // The pid it tried is free again.
  RestoreRequest good;
  good.image = (*frozen)->image();
  good.pid = 9999;
  EXPECT_TRUE(kernel->Prepare(std::move(good)).ok());
}

// A post-copy's source: frozen with its memories' sizes only, its
// memories then taken out whole (no copy) for the destination's pages.
TEST(CheckpointTest, ALazilyFrozenProcessGivesUpItsMemoriesForThePostCopy) {
  const std::string expected = Uninterrupted(LifeRequest("1500"));
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  Result<SpawnResult> first = a->Spawn(LifeRequest("1500"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(testing::WaitUntil([&] { return TextOf(first->console).size() > 0; }));
  std::unique_ptr<FrozenProcess> frozen = FreezeAhead(*a, first->pid, FreezeMemory::kLazy);
  ASSERT_NE(frozen, nullptr);
  const MemoryDelta& sizes = (*frozen->image().memories_ahead)[0];
  EXPECT_TRUE(sizes.pages.empty());
  EXPECT_GT(sizes.size_bytes, 0u);

  Result<std::vector<std::unique_ptr<vm::Memory>>> taken = frozen->TakeMemories();
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ((*taken)[0]->size_bytes(), sizes.size_bytes);
  // As if every page had come: the taken memories are the destination's.
  Result<SpawnResult> moved = Move(std::move(frozen), *b, std::move(taken).value());
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(WaitCode(*b, moved->pid), 0);
  EXPECT_EQ(TextOf(moved->console), expected);
}

// What a post-copy whose pages were lost does to its process.
TEST(CheckpointTest, AnAbortedProcessEndsTrappedWithTheReason) {
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("spin"));
  ASSERT_TRUE(spawned.ok());
  ASSERT_TRUE(kernel->Abort(spawned->pid, "its memory was lost").ok());
  Result<ExitStatus> status = kernel->Wait(spawned->pid, kWaitLimit);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->reason, ExitReason::kTrapped);
  EXPECT_EQ(status->code, kTrapExitCode);
  EXPECT_EQ(status->trap_message, "its memory was lost");
  EXPECT_EQ(kernel->Abort(spawned->pid, "again").error().status, Status::kNotFound);
}

// Life spawned in `kernel` and let print, so that a move comes mid-run;
// its pid (0 and a failure when it did not print).
uint64_t LifePrinting(Kernel& kernel, const std::string& generations) {
  Result<SpawnResult> spawned = kernel.Spawn(LifeRequest(generations));
  EXPECT_TRUE(spawned.ok()) << spawned.error().message;
  if (!spawned.ok()) return 0;
  EXPECT_TRUE(testing::WaitUntil([&] { return TextOf(spawned->console).size() > 0; }));
  return spawned->pid;
}

// Freezes `pid` in `from` and starts it in `to` with its effects held
// until `released` completes (as a migration's destination does while it
// makes the arrival durable); null and a failure when that fails.
std::shared_ptr<Process> StartHeld(Kernel& from, uint64_t pid, Kernel& to,
                                   const std::shared_ptr<IoWait>& released,
                                   std::chrono::milliseconds frozen_for = {}) {
  Result<std::unique_ptr<FrozenProcess>> frozen = from.Freeze(pid);
  EXPECT_TRUE(frozen.ok()) << frozen.error().message;
  if (!frozen.ok()) return nullptr;
  EXPECT_NE((*frozen)->stopped_ns(), 0u);
  std::this_thread::sleep_for(frozen_for);
  Result<std::unique_ptr<PreparedProcess>> prepared = to.Prepare(RestoreOf((*frozen)->image()));
  EXPECT_TRUE(prepared.ok()) << prepared.error().message;
  if (!prepared.ok()) return nullptr;
  Result<SpawnResult> started = to.Start(std::move(prepared).value(), Reaping::kOnWait, released);
  EXPECT_TRUE(started.ok()) << started.error().message;
  if (!started.ok()) return nullptr;
  (*frozen)->Release(started->object);
  return to.Find(pid);
}

// Fuel used, once it stopped growing for 50 ms (bounded by kWaitLimit).
uint64_t FuelOnceStill(const Process& process) {
  uint64_t fuel = process.accounting().fuel_used;
  const auto until = std::chrono::steady_clock::now() + kWaitLimit;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const uint64_t now = process.accounting().fuel_used;
    if (now == fuel) break;
    fuel = now;
  }
  return fuel;
}

// A process started with its effects held runs at once, but its output, a
// freeze of it (moving on is an effect too) and its end wait until they
// are released; then it goes on exactly as an unmoved run.
TEST(CheckpointTest, AHeldProcessRunsButNothingLeavesItUntilReleased) {
  const std::string expected = Uninterrupted(LifeRequest("600"));
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  const uint64_t pid = LifePrinting(*a, "600");
  auto released = std::make_shared<IoWait>();
  std::shared_ptr<Process> held = StartHeld(*a, pid, *b, released);
  ASSERT_NE(held, nullptr);
  ASSERT_TRUE(testing::WaitUntil([&] { return held->first_step_ns() != 0; }));
  const std::string before = TextOf(held->console_log());
  (void)FuelOnceStill(*held);  // Parked at its first host call.
  EXPECT_EQ(TextOf(held->console_log()), before);
  Result<std::unique_ptr<FrozenProcess>> refrozen = b->Freeze(pid, {std::chrono::milliseconds(50)});
  ASSERT_FALSE(refrozen.ok());
  EXPECT_EQ(refrozen.error().status, Status::kShouldWait);

  released->Complete();
  EXPECT_EQ(WaitCode(*b, pid), 0);
  EXPECT_EQ(TextOf(held->console_log()), expected);
}

TEST(CheckpointTest, AHeldProcessEndsOnlyOnceReleased) {
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  Result<SpawnResult> spawned = a->Spawn(RequestFor("spin_then_trap"));
  ASSERT_TRUE(spawned.ok());
  auto released = std::make_shared<IoWait>();
  std::shared_ptr<Process> held = StartHeld(*a, spawned->pid, *b, released);
  ASSERT_NE(held, nullptr);
  // It counts on to its trap, which is its end: that waits.
  EXPECT_GT(FuelOnceStill(*held), 0u);
  Result<ExitStatus> early = b->Wait(spawned->pid, std::chrono::milliseconds(100));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().status, Status::kShouldWait);
  EXPECT_EQ(TextOf(held->console_log(), ConsoleStream::kStderr), "");

  released->Complete();
  Result<ExitStatus> status = b->Wait(spawned->pid, kWaitLimit);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->reason, ExitReason::kTrapped);
  const std::string stderr_text = TextOf(held->console_log(), ConsoleStream::kStderr);
  EXPECT_NE(stderr_text.find("trap: unreachable"), std::string::npos) << stderr_text;
}

// A process frozen in a poll whose deadline passed meanwhile: held, it
// waits for the release without spinning on the poll, then ends.
TEST(CheckpointTest, AHeldProcessInAPollWaitsForTheReleaseAlone) {
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  Result<SpawnResult> spawned = a->Spawn(RequestFor("sleeper"));  // 20 ms, then exit 3.
  ASSERT_TRUE(spawned.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto released = std::make_shared<IoWait>();
  std::shared_ptr<Process> held = StartHeld(*a, spawned->pid, *b, released,
                                            std::chrono::milliseconds(40));  // Past its deadline.
  ASSERT_NE(held, nullptr);
  ASSERT_TRUE(testing::WaitUntil([&] { return held->first_step_ns() != 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t steps = held->accounting().steps;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(held->accounting().steps, steps + 1);
  released->Complete();
  EXPECT_EQ(WaitCode(*b, spawned->pid), 3);
}

// What a destination does when it cannot make the arrival durable.
TEST(CheckpointTest, AHeldProcessKilledLeavesNoTrace) {
  std::unique_ptr<Kernel> a = OneWorkerKernel();
  std::unique_ptr<Kernel> b = OneWorkerKernel();
  const uint64_t pid = LifePrinting(*a, "600");
  auto released = std::make_shared<IoWait>();
  std::shared_ptr<Process> held = StartHeld(*a, pid, *b, released);
  ASSERT_NE(held, nullptr);
  const std::string before = TextOf(held->console_log());
  ASSERT_TRUE(b->Kill(pid).ok());
  EXPECT_EQ(WaitCode(*b, pid), kKilledExitCode);
  EXPECT_EQ(TextOf(held->console_log()), before);
  released->Complete();  // Too late to matter.
  EXPECT_EQ(TextOf(held->console_log()), before);
}

TEST(CheckpointTest, AFrozenProcessCanStillBeKilled) {
  std::unique_ptr<Kernel> kernel = OneWorkerKernel();
  Result<SpawnResult> spawned = kernel->Spawn(RequestFor("spin"));
  ASSERT_TRUE(spawned.ok());
  Result<std::unique_ptr<FrozenProcess>> frozen = kernel->Freeze(spawned->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  ASSERT_TRUE(kernel->Kill(spawned->pid).ok());
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), kKilledExitCode);
  frozen->reset();  // Thawing an ended process is harmless.
}

}  // namespace
}  // namespace shoal::kernel
