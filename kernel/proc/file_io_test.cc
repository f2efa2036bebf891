// WASI file IO under the kernel: regular files are read, written and synced
// on the io_uring reactor while the process is parked, and a process waiting
// on a file or a pipe, to read or to write, never holds the only worker.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "kernel/base/temp_dir.h"
#include "kernel/object/channel.h"
#include "kernel/object/directory.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {
namespace {

using testing::OneWorkerKernel;
using testing::RequestFor;
using testing::Spawned;
using testing::SpawnWithOutput;
using testing::TextOf;
using testing::WaitCode;

// Options whose file reads all go to the reactor.
KernelOptions UncachedReads() {
  KernelOptions options;
  options.cached_reads = false;
  return options;
}

// A request to run testdata module `name` with `dir` preopened as /data.
SpawnRequest WithData(const std::string& name, const std::string& dir) {
  SpawnRequest request = RequestFor(name);
  request.preopens.push_back(wasi::Preopen{dir, "/data", {}});
  return request;
}

// What the file `path` holds.
std::string ContentsOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Makes the FIFO "input" in `dir` and returns an O_RDWR descriptor of it for
// the test to hold, or -1. A process's open of either end waits for the
// other; this descriptor is both without blocking, and a reader sees end of
// input only once the test has closed it.
int MakeHeldFifo(const shoal::testing::TempDir& dir) {
  if (::mkfifo(dir.Join("input").c_str(), 0600) != 0) return -1;
  return ::open(dir.Join("input").c_str(), O_RDWR | O_CLOEXEC);
}

// Without cached reads, as for a file the page cache does not hold.
TEST(FileIoTest, RegularFileReadsGoThroughTheReactor) {
  shoal::testing::TempDir tmp;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "line " + std::to_string(i) + "\n";  // > 4 KiB reads.
  std::ofstream(tmp.Join("input")) << text;
  auto kernel = OneWorkerKernel(UncachedReads());
  uint64_t before = kernel->reactor().Stats().completed;
  Spawned spawned = SpawnWithOutput(*kernel, WithData("cat_input", tmp.path()));
  ASSERT_NE(spawned.out, nullptr);
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);
  EXPECT_EQ(TextOf(spawned.out), text);
  // One reactor read per 4 KiB chunk, plus the one at end of file.
  EXPECT_GE(kernel->reactor().Stats().completed - before, text.size() / 4096 + 1);
}

// A file just written sits in the page cache: every read is served on the
// worker, straight into guest memory, and the reactor sees none.
TEST(FileIoTest, CachedReadsCompleteWithoutTheReactor) {
  shoal::testing::TempDir tmp;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "line " + std::to_string(i) + "\n";
  std::ofstream(tmp.Join("input")) << text;
  auto kernel = OneWorkerKernel();
  uint64_t before = kernel->reactor().Stats().submitted;
  Spawned spawned = SpawnWithOutput(*kernel, WithData("cat_input", tmp.path()));
  ASSERT_NE(spawned.out, nullptr);
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);
  EXPECT_EQ(TextOf(spawned.out), text);
  EXPECT_EQ(kernel->reactor().Stats().submitted - before, 0u);
}

TEST(FileIoTest, RegularFileWritesGoThroughTheReactor) {
  shoal::testing::TempDir tmp;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "line " + std::to_string(i) + "\n";  // > 4 KiB.
  std::ofstream(tmp.Join("input")) << text;
  auto kernel = OneWorkerKernel(UncachedReads());
  uint64_t before = kernel->reactor().Stats().completed;
  SpawnRequest request = WithData("copy_file", tmp.path());
  Spawned spawned = SpawnWithOutput(*kernel, std::move(request));
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);
  EXPECT_EQ(ContentsOf(tmp.Join("output")), text);
  // A reactor read and a reactor write per 4 KiB chunk, and the final read.
  const uint64_t chunks = (text.size() + 4095) / 4096;
  EXPECT_GE(kernel->reactor().Stats().completed - before, 2 * chunks + 1);
}

TEST(FileIoTest, ProcessBlockedOnAFifoDoesNotHoldTheOnlyWorker) {
  shoal::testing::TempDir tmp;
  auto kernel = OneWorkerKernel();
  int writer = MakeHeldFifo(tmp);
  ASSERT_GE(writer, 0);
  Spawned reader = SpawnWithOutput(*kernel, WithData("cat_input", tmp.path()));
  ASSERT_NE(reader.out, nullptr);

  // With the reader parked on the empty FIFO, another process still runs to
  // completion on the single worker.
  Result<SpawnResult> other = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(WaitCode(*kernel, other->pid), 42);
  EXPECT_NE(kernel->Find(reader.pid), nullptr);  // Still waiting for input.

  ASSERT_EQ(::write(writer, "through the pipe\n", 17), 17);
  ASSERT_TRUE(testing::WaitUntil([&] {
    auto chunk = reader.out->Read(0, 100);
    return chunk.ok() && chunk->bytes.size() == 17;
  }));
  ::close(writer);  // End of input: the reader holds only a read end.
  EXPECT_EQ(WaitCode(*kernel, reader.pid), 0);
}

TEST(FileIoTest, AFileHandleSentOverAChannelIsReadThroughANewFd) {
  shoal::testing::TempDir sender_dir;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "passed " + std::to_string(i) + "\n";
  std::ofstream(sender_dir.Join("input")) << text;
  auto kernel = OneWorkerKernel();
  auto [a, b] = std::move(Channel::Create()).value();
  Rights channel_rights = DefaultRights(ObjectType::kChannel);
  SpawnRequest sender = WithData("send_file", sender_dir.path());
  sender.handles.push_back({a, channel_rights});
  SpawnRequest receiver = RequestFor("recv_file");  // No preopens: only the handle.
  receiver.handles.push_back({b, channel_rights});
  a.reset();
  b.reset();

  Spawned got = SpawnWithOutput(*kernel, std::move(receiver));
  ASSERT_NE(got.out, nullptr);
  Result<SpawnResult> sent = kernel->Spawn(std::move(sender));
  ASSERT_TRUE(sent.ok()) << sent.error().message;

  EXPECT_EQ(WaitCode(*kernel, sent->pid), 0);
  EXPECT_EQ(WaitCode(*kernel, got.pid), 0);
  EXPECT_EQ(TextOf(got.out), text);
}

TEST(FileIoTest, FdSyncAndFdDatasyncGoThroughTheReactor) {
  shoal::testing::TempDir tmp;
  auto kernel = OneWorkerKernel();
  uint64_t before = kernel->reactor().Stats().syncs;
  SpawnRequest request = WithData("sync_file", tmp.path());
  Spawned spawned = SpawnWithOutput(*kernel, std::move(request));
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);
  EXPECT_EQ(ContentsOf(tmp.Join("synced")), "made durable\n");
  EXPECT_EQ(kernel->reactor().Stats().syncs - before, 2u);  // fd_sync, then fd_datasync.
}

TEST(FileIoTest, FdSyncOnAFileHandleDescriptorSucceeds) {
  shoal::testing::TempDir tmp;
  auto kernel = OneWorkerKernel();
  Ref<Directory> root = std::move(Directory::OpenRoot(tmp.path(), kernel->file_io())).value();
  Rights file_rights = Rights::kWrite | Rights::kTransfer | Rights::kDuplicate;
  // The root grants everything; the File gets file_rights.
  ErrnoResult<HandleEntry> file =
      root->Open("synced", OpenOptions{.write = true, .create = true}, file_rights, Rights::kAll);
  ASSERT_TRUE(file.ok()) << std::strerror(file.error());
  uint64_t before = kernel->reactor().Stats().syncs;
  SpawnRequest request = RequestFor("sync_file");  // No preopens: only the handle.
  request.handles.push_back(*file);
  Spawned spawned = SpawnWithOutput(*kernel, std::move(request));
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);
  EXPECT_EQ(ContentsOf(tmp.Join("synced")), "made durable\n");
  EXPECT_EQ(kernel->reactor().Stats().syncs - before, 2u);
}

// fifo_writer's 256 KiB: byte i is i % 251, so a lost, repeated or reordered
// 4 KiB piece shows.
std::string FifoWriterBytes() {
  std::string bytes(256 * 1024, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = char(i % 251);
  return bytes;
}

TEST(FileIoTest, AWriterToAFullFifoParksUntilALaterReaderDrainsIt) {
  shoal::testing::TempDir tmp;
  auto kernel = OneWorkerKernel();
  int keeper = MakeHeldFifo(tmp);  // Never reads.
  ASSERT_GE(keeper, 0);
  SpawnRequest write_request = WithData("fifo_writer", tmp.path());
  Result<SpawnResult> writer = kernel->Spawn(std::move(write_request));
  ASSERT_TRUE(writer.ok()) << writer.error().message;

  // The writer cannot finish (the pipe holds 64 KiB), yet another process
  // runs to completion on the single worker: the writer is parked, not
  // blocked in write(2).
  Result<SpawnResult> other = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(WaitCode(*kernel, other->pid), 42);
  EXPECT_NE(kernel->Find(writer->pid), nullptr);

  // A reader started now, on the same worker, drains the FIFO into a
  // regular file (a console keeps only the last 64 KiB).
  SpawnRequest copy_request = WithData("copy_file", tmp.path());
  Result<SpawnResult> reader = kernel->Spawn(std::move(copy_request));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(WaitCode(*kernel, writer->pid), 0);
  const std::string expected = FifoWriterBytes();
  ASSERT_TRUE(testing::WaitUntil([&] {
    std::error_code error;
    return std::filesystem::file_size(tmp.Join("output"), error) >= expected.size();
  }));
  ::close(keeper);  // End of input.
  EXPECT_EQ(WaitCode(*kernel, reader->pid), 0);
  EXPECT_EQ(ContentsOf(tmp.Join("output")), expected);
}

TEST(FileIoTest, AParkedFifoWriterWhoseReaderLeavesGetsEpipeAndTheNodeLives) {
  shoal::testing::TempDir tmp;
  auto kernel = OneWorkerKernel();
  int reader = MakeHeldFifo(tmp);
  ASSERT_GE(reader, 0);
  Result<SpawnResult> writer = kernel->Spawn(WithData("fifo_writer", tmp.path()));
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  Result<SpawnResult> other = kernel->Spawn(RequestFor("exit42"));  // Runs once the writer parks.
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(WaitCode(*kernel, other->pid), 42);
  // The only reader goes: the parked write wakes and fails with EPIPE (a
  // SIGPIPE would have ended this test process).
  ::close(reader);
  EXPECT_EQ(WaitCode(*kernel, writer->pid), 98);
}

TEST(FileIoTest, ANonblockingFifoDescriptorAnswersEagainInsteadOfParking) {
  shoal::testing::TempDir tmp;
  ASSERT_EQ(::mkfifo(tmp.Join("input").c_str(), 0600), 0);
  auto kernel = OneWorkerKernel();
  SpawnRequest request = WithData("fifo_nonblock", tmp.path());
  Spawned spawned = SpawnWithOutput(*kernel, std::move(request));
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);  // A read and a write saw EAGAIN.
}

// poll_oneoff on an empty FIFO and a clock: the FIFO is not ready, so the
// clock's event comes, alone, after the process parked.
TEST(FileIoTest, PollOnAnEmptyFifoWaitsForTheClock) {
  shoal::testing::TempDir tmp;
  int held = MakeHeldFifo(tmp);
  ASSERT_GE(held, 0);
  auto kernel = OneWorkerKernel();
  Result<SpawnResult> poller = kernel->Spawn(WithData("poll_fifo", tmp.path()));
  ASSERT_TRUE(poller.ok()) << poller.error().message;
  EXPECT_EQ(WaitCode(*kernel, poller->pid), 2);  // The clock (userdata 2), alone.
  ::close(held);
}

// The same with a 10 s clock: the process parks on the FIFO (another runs on
// the only worker meanwhile) and wakes with the FIFO's event when data comes.
TEST(FileIoTest, PollOnAFifoWakesWhenDataArrives) {
  shoal::testing::TempDir tmp;
  int held = MakeHeldFifo(tmp);
  ASSERT_GE(held, 0);
  auto kernel = OneWorkerKernel();
  SpawnRequest request = WithData("poll_fifo", tmp.path());
  request.args.push_back("long");
  Result<SpawnResult> poller = kernel->Spawn(std::move(request));
  ASSERT_TRUE(poller.ok()) << poller.error().message;
  std::shared_ptr<Process> process = kernel->Find(poller->pid);
  ASSERT_TRUE(process);
  ASSERT_TRUE(testing::WaitUntil([&] { return process->state() == TaskState::kParked; }));
  process.reset();
  Result<SpawnResult> other = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(WaitCode(*kernel, other->pid), 42);

  ASSERT_EQ(::write(held, "x", 1), 1);
  EXPECT_EQ(WaitCode(*kernel, poller->pid), 1);  // The FIFO (userdata 1), alone.
  ::close(held);
}

}  // namespace
}  // namespace shoal::kernel
