// WASI file reads under the kernel: regular files are read on the io_uring
// reactor while the process is parked, and a process waiting on a file or a
// pipe never holds the only worker.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kernel/base/temp_dir.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {
namespace {

using testing::RequestFor;

std::unique_ptr<Kernel> OneWorkerKernel() {
  KernelOptions options;
  options.workers = 1;
  options.fuel_quantum = 10'000;
  Result<std::unique_ptr<Kernel>> kernel = Kernel::Create(options);
  EXPECT_TRUE(kernel.ok());
  return std::move(*kernel);
}

SpawnRequest CatFrom(const std::string& dir) {
  SpawnRequest request = RequestFor("cat_input");
  request.preopens.push_back(wasi::Preopen{dir, "/data"});
  return request;
}

TEST(FileIoTest, RegularFileReadsGoThroughTheReactor) {
  shoal::testing::TempDir tmp;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "line " + std::to_string(i) + "\n";  // > 4 KiB reads.
  std::ofstream(tmp.Join("input")) << text;
  auto kernel = OneWorkerKernel();
  uint64_t before = kernel->reactor().Stats().completed;
  Result<SpawnResult> spawned = kernel->Spawn(CatFrom(tmp.path()));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  std::shared_ptr<Process> process = kernel->Find(spawned->pid);
  ASSERT_NE(process, nullptr);
  Ref<Console> out = process->stdout_console();
  process.reset();
  Result<ExitStatus> status = kernel->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 0);
  Result<ConsoleChunk> chunk = out->Read(0, 1 << 20);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(std::string(chunk->bytes.begin(), chunk->bytes.end()), text);
  // One reactor read per 4 KiB chunk, plus the one at end of file.
  EXPECT_GE(kernel->reactor().Stats().completed - before, text.size() / 4096 + 1);
}

TEST(FileIoTest, ProcessBlockedOnAFifoDoesNotHoldTheOnlyWorker) {
  shoal::testing::TempDir tmp;
  ASSERT_EQ(::mkfifo(tmp.Join("input").c_str(), 0600), 0);
  auto kernel = OneWorkerKernel();
  // The reader's open needs a writer on the other end; O_RDWR keeps one here
  // without blocking, until the test has written and closed.
  int writer = ::open(tmp.Join("input").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  Result<SpawnResult> reader = kernel->Spawn(CatFrom(tmp.path()));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  std::shared_ptr<Process> process = kernel->Find(reader->pid);
  ASSERT_NE(process, nullptr);
  Ref<Console> out = process->stdout_console();
  process.reset();

  // With the reader parked on the empty FIFO, another process still runs to
  // completion on the single worker.
  Result<SpawnResult> other = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(other.ok());
  Result<ExitStatus> other_status = kernel->Wait(other->pid, testing::kWaitLimit);
  ASSERT_TRUE(other_status.ok());
  EXPECT_EQ(other_status->code, 42);
  EXPECT_NE(kernel->Find(reader->pid), nullptr);  // Still waiting for input.

  ASSERT_EQ(::write(writer, "through the pipe\n", 17), 17);
  ASSERT_TRUE(testing::WaitUntil([&] {
    auto chunk = out->Read(0, 100);
    return chunk.ok() && chunk->bytes.size() == 17;
  }));
  ::close(writer);  // End of input (the reader's own O_RDONLY end remains).
  Result<ExitStatus> status = kernel->Wait(reader->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 0);
}

}  // namespace
}  // namespace shoal::kernel
