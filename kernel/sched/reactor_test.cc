// The reactor on a real io_uring: files, pipes, timeouts, cancel, shutdown.
#include "kernel/sched/reactor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kernel/sched/sched_test_util.h"

namespace shoal::kernel {
namespace {

using testing::EventCounter;

std::unique_ptr<Reactor> MakeReactor() {
  Result<std::unique_ptr<Reactor>> reactor = Reactor::Create();
  EXPECT_TRUE(reactor.ok()) << (reactor.ok() ? "" : reactor.error().message);
  return reactor.ok() ? std::move(reactor).value() : nullptr;
}

// A temporary file, removed when the test ends.
class TempFile {
 public:
  TempFile() {
    std::string pattern =
        std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/shoal-reactor-XXXXXX";
    path_ = pattern;
    fd_ = mkstemp(path_.data());
  }
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Records one completion and counts callbacks.
struct Outcome {
  std::mutex mu;
  IoCompletion completion;
  int calls = 0;
  EventCounter done;
  Reactor::Callback Callback() {
    return [this](const IoCompletion& c) {
      {
        std::lock_guard lock(mu);
        completion = c;
        ++calls;
      }
      done.Add();
    };
  }
};

std::vector<uint8_t> Pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> bytes(size);
  std::mt19937 rng(seed);
  for (uint8_t& b : bytes) b = uint8_t(rng());
  return bytes;
}

TEST(ReactorTest, WritesFsyncsAndReadsBackARealFile) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  TempFile file;
  ASSERT_GE(file.fd(), 0);
  constexpr size_t kChunk = 64 * 1024;
  constexpr size_t kChunks = 16;
  std::vector<uint8_t> data = Pattern(kChunk * kChunks, 7);

  // All chunks in flight at once, each at its own offset.
  std::vector<Outcome> writes(kChunks);
  for (size_t i = 0; i < kChunks; ++i) {
    auto id = reactor->Write(file.fd(), std::span(data).subspan(i * kChunk, kChunk),
                             int64_t(i * kChunk), writes[i].Callback());
    ASSERT_TRUE(id.ok());
  }
  for (Outcome& w : writes) {
    ASSERT_TRUE(w.done.WaitFor(1));
    EXPECT_TRUE(w.completion.ok());
    EXPECT_EQ(w.completion.result, int32_t(kChunk));
  }
  Outcome sync;
  ASSERT_TRUE(reactor->Fsync(file.fd(), SyncScope::kAll, sync.Callback()).ok());
  ASSERT_TRUE(sync.done.WaitFor(1));
  EXPECT_TRUE(sync.completion.ok());
  EXPECT_EQ(reactor->Stats().syncs, 1u);  // Counted apart from the writes.

  // The bytes are on the file for read(2) too.
  std::vector<uint8_t> plain(data.size());
  ASSERT_EQ(pread(file.fd(), plain.data(), plain.size(), 0), ssize_t(plain.size()));
  EXPECT_EQ(plain, data);

  std::vector<uint8_t> back(data.size());
  Outcome read;
  ASSERT_TRUE(reactor->Read(file.fd(), back, 0, read.Callback()).ok());
  ASSERT_TRUE(read.done.WaitFor(1));
  EXPECT_EQ(read.completion.result, int32_t(data.size()));
  EXPECT_EQ(back, data);

  // Reading past the end gives 0 bytes, not an error.
  Outcome eof;
  ASSERT_TRUE(reactor->Read(file.fd(), back, int64_t(data.size()), eof.Callback()).ok());
  ASSERT_TRUE(eof.done.WaitFor(1));
  EXPECT_TRUE(eof.completion.ok());
  EXPECT_EQ(eof.completion.result, 0);
}

TEST(ReactorTest, ErrorsComeBackAsStatusAndErrno) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  uint8_t buffer[16];
  Outcome bad_fd;
  ASSERT_TRUE(reactor->Read(987654, buffer, 0, bad_fd.Callback()).ok());
  ASSERT_TRUE(bad_fd.done.WaitFor(1));
  EXPECT_FALSE(bad_fd.completion.ok());
  EXPECT_EQ(bad_fd.completion.error, EBADF);
  EXPECT_EQ(bad_fd.completion.status, Status::kIoError);
  EXPECT_EQ(bad_fd.completion.ToError("read").status, Status::kIoError);

  int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  Outcome is_dir;
  ASSERT_TRUE(reactor->Read(dir, buffer, 0, is_dir.Callback()).ok());
  ASSERT_TRUE(is_dir.done.WaitFor(1));
  EXPECT_EQ(is_dir.completion.error, EISDIR);
  close(dir);

  auto no_callback = reactor->Read(0, buffer, 0, nullptr);
  ASSERT_FALSE(no_callback.ok());
  EXPECT_EQ(no_callback.error().status, Status::kInvalidArgs);
}

TEST(ReactorTest, PollOnAPipeCompletesWhenDataArrives) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  Outcome poll;
  ASSERT_TRUE(reactor->Poll(fds[0], POLLIN, poll.Callback()).ok());
  // Nothing to read yet: the poll stays pending.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(poll.done.count(), 0u);
  EXPECT_EQ(reactor->Stats().in_flight, 1u);

  ASSERT_EQ(write(fds[1], "ping", 4), 4);
  ASSERT_TRUE(poll.done.WaitFor(1));
  EXPECT_TRUE(poll.completion.ok());
  EXPECT_TRUE(poll.completion.result & POLLIN);

  uint8_t buffer[8] = {};
  Outcome read;
  ASSERT_TRUE(reactor->Read(fds[0], buffer, Reactor::kCurrentPosition, read.Callback()).ok());
  ASSERT_TRUE(read.done.WaitFor(1));
  EXPECT_EQ(read.completion.result, 4);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), 4), "ping");

  // The writer closing is observable as POLLHUP.
  close(fds[1]);
  Outcome hangup;
  ASSERT_TRUE(reactor->Poll(fds[0], POLLIN, hangup.Callback()).ok());
  ASSERT_TRUE(hangup.done.WaitFor(1));
  EXPECT_TRUE(hangup.completion.result & POLLHUP);
  close(fds[0]);
}

TEST(ReactorTest, TimeoutsFireInDeadlineOrder) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  constexpr int kTimeouts = 30;
  std::vector<int> order(kTimeouts);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  std::mutex mu;
  std::vector<int> fired;
  EventCounter done;
  // Order holds among timeouts that reach the kernel before they are due (an
  // overdue one fires on arrival). The margin covers the reactor thread being
  // descheduled on a busy host while the requests wait in its queue.
  MonotonicNs base = MonotonicNow() + 250'000'000;
  for (int rank : order) {
    auto id =
        reactor->Timeout(base + MonotonicNs(rank) * 2'000'000, [&, rank](const IoCompletion& c) {
          EXPECT_TRUE(c.ok());
          std::lock_guard lock(mu);
          fired.push_back(rank);
          done.Add();
        });
    ASSERT_TRUE(id.ok());
  }
  ASSERT_TRUE(done.WaitFor(kTimeouts));
  std::lock_guard lock(mu);
  ASSERT_EQ(fired.size(), size_t(kTimeouts));
  EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
  EXPECT_GE(MonotonicNow(), base + (kTimeouts - 1) * 2'000'000);
}

TEST(ReactorTest, CancelReportsCancellationExactlyOnce) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  Outcome poll;
  Outcome timeout;
  auto poll_id = reactor->Poll(fds[0], POLLIN, poll.Callback());
  auto timeout_id = reactor->Timeout(MonotonicNow() + 3600'000'000'000ull, timeout.Callback());
  ASSERT_TRUE(poll_id.ok() && timeout_id.ok());
  reactor->Cancel(*poll_id);
  reactor->Cancel(*timeout_id);
  ASSERT_TRUE(poll.done.WaitFor(1));
  ASSERT_TRUE(timeout.done.WaitFor(1));
  EXPECT_TRUE(poll.completion.cancelled());
  EXPECT_TRUE(timeout.completion.cancelled());

  // Cancelling again, or cancelling what already finished, calls nothing.
  Outcome quick;
  auto quick_id = reactor->Timeout(0, quick.Callback());
  ASSERT_TRUE(quick.done.WaitFor(1));
  reactor->Cancel(*quick_id);
  reactor->Cancel(*poll_id);
  reactor->Cancel(12345678);
  Outcome fence;  // Requests are handled in order: once this ran, the cancels did.
  ASSERT_TRUE(reactor->Timeout(0, fence.Callback()).ok());
  ASSERT_TRUE(fence.done.WaitFor(1));
  EXPECT_EQ(poll.calls, 1);
  EXPECT_EQ(timeout.calls, 1);
  EXPECT_EQ(quick.calls, 1);
  EXPECT_TRUE(quick.completion.ok());
  EXPECT_EQ(reactor->Stats().in_flight, 0u);
  close(fds[0]);
  close(fds[1]);
}

TEST(ReactorTest, CallbacksCanStartMoreOperations) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  std::atomic<int> hops{0};
  EventCounter done;
  std::function<void(const IoCompletion&)> hop = [&](const IoCompletion& c) {
    EXPECT_TRUE(reactor->OnReactorThread());
    if (++hops == 100) {
      done.Add();
      return;
    }
    EXPECT_TRUE(reactor->Timeout(0, hop).ok());
  };
  ASSERT_TRUE(reactor->Timeout(0, hop).ok());
  ASSERT_TRUE(done.WaitFor(1));
  EXPECT_EQ(hops.load(), 100);
}

TEST(ReactorTest, ManyThreadsSubmitAtOnce) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  constexpr int kThreads = 4;
  constexpr int kEach = 3000;  // More than the submission queue holds.
  EventCounter done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(reactor->Timeout(0, [&](const IoCompletion& c) { done.Add(); }).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(done.WaitFor(kThreads * kEach));
  EXPECT_EQ(reactor->Stats().completed, uint64_t(kThreads * kEach));
}

TEST(ReactorTest, ShutdownCancelsEverythingPendingOnce) {
  auto reactor = MakeReactor();
  ASSERT_NE(reactor, nullptr);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  constexpr int kPending = 500;
  std::atomic<int> calls{0};
  std::atomic<int> cancelled{0};
  auto count = [&](const IoCompletion& c) {
    ++calls;
    if (c.cancelled()) ++cancelled;
  };
  uint8_t buffer[kPending];
  for (int i = 0; i < kPending; ++i) {
    switch (i % 3) {
      case 0:
        ASSERT_TRUE(reactor->Poll(fds[0], POLLIN, count).ok());
        break;
      case 1:
        ASSERT_TRUE(reactor->Timeout(MonotonicNow() + 3600'000'000'000ull, count).ok());
        break;
      case 2:
        ASSERT_TRUE(reactor->Read(fds[0], std::span(buffer + i, 1), -1, count).ok());
        break;
    }
  }
  reactor->Shutdown();
  EXPECT_EQ(calls.load(), kPending);
  EXPECT_EQ(cancelled.load(), kPending);
  auto late = reactor->Timeout(0, count);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().status, Status::kNotSupported);
  reactor->Shutdown();  // Idempotent.
  EXPECT_EQ(calls.load(), kPending);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace shoal::kernel
