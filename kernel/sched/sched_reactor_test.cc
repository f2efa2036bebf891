// Tasks that wait on the reactor: the shape of a process's blocking host call
// (park, submit, wake on completion) and of a kill that cancels pending IO.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kernel/base/thread_annotations.h"
#include "kernel/sched/reactor.h"
#include "kernel/sched/sched_test_util.h"
#include "kernel/sched/scheduler.h"

namespace shoal::kernel {
namespace {

using testing::kPatience;
using testing::WaitUntil;

// Reads `fd` to the end through the reactor, one chunk per wait. Each Step
// either consumes a finished read or submits the next one and parks.
class ReaderTask : public Task, public std::enable_shared_from_this<ReaderTask> {
 public:
  ReaderTask(Scheduler& scheduler, Reactor& reactor, int fd, int64_t offset)
      : scheduler_(scheduler), reactor_(reactor), fd_(fd), offset_(offset) {}

  StepOutcome Step(uint64_t) override {
    std::optional<IoCompletion> completion;
    {
      MutexLock lock(&mu_);
      completion.swap(completion_);
    }
    if (completion) {
      in_flight_ = 0;
      if (!completion->ok()) {
        error_ = completion->error;
        return StepOutcome::kDone;
      }
      if (completion->result == 0) return StepOutcome::kDone;  // End of file.
      data_.append(reinterpret_cast<char*>(buffer_), size_t(completion->result));
      if (offset_ != Reactor::kCurrentPosition) offset_ += completion->result;
    }
    if (in_flight_ != 0) return StepOutcome::kParked;  // A spurious wake.
    // The callback holds the task: the buffer lives until it has run.
    auto id =
        reactor_.Read(fd_, buffer_, offset_, [self = shared_from_this()](const IoCompletion& c) {
          {
            MutexLock lock(&self->mu_);
            self->completion_ = c;
            ++self->callbacks_;
          }
          self->scheduler_.Wake(*self);
        });
    if (!id.ok()) return StepOutcome::kDone;
    in_flight_ = *id;
    return StepOutcome::kParked;
  }

  // A killed task cancels what it waits for; the callback still runs once.
  void OnFinished(FinishReason reason) override {
    if (in_flight_ != 0) reactor_.Cancel(in_flight_);
  }

  const std::string& data() const { return data_; }
  int error() const { return error_; }
  int callbacks() {
    MutexLock lock(&mu_);
    return callbacks_;
  }
  std::optional<IoCompletion> last_completion() {
    MutexLock lock(&mu_);
    return completion_;
  }

 private:
  Scheduler& scheduler_;
  Reactor& reactor_;
  int fd_;
  int64_t offset_;
  uint8_t buffer_[4096];
  Reactor::OpId in_flight_ = 0;
  std::string data_;
  int error_ = 0;
  Mutex mu_;
  std::optional<IoCompletion> completion_ GUARDED_BY(mu_);
  int callbacks_ GUARDED_BY(mu_) = 0;
};

TEST(SchedReactorTest, TasksParkedOnFileReadsWakeWithTheData) {
  auto reactor = Reactor::Create();
  ASSERT_TRUE(reactor.ok());
  Scheduler scheduler({.workers = 2});
  std::string path =
      std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/shoal-sched-reactor-XXXXXX";
  int fd = mkstemp(path.data());
  ASSERT_GE(fd, 0);
  unlink(path.c_str());
  std::string content;
  for (int i = 0; i < 5000; ++i) content += "line " + std::to_string(i) + "\n";
  ASSERT_EQ(write(fd, content.data(), content.size()), ssize_t(content.size()));

  constexpr int kReaders = 50;
  std::vector<std::shared_ptr<ReaderTask>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_shared<ReaderTask>(scheduler, **reactor, fd, 0));
    ASSERT_TRUE(scheduler.Submit(readers.back()).ok());
  }
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  for (auto& reader : readers) {
    EXPECT_EQ(reader->error(), 0);
    EXPECT_EQ(reader->data(), content);
    // One step per chunk plus the first: parked between, never polling.
    EXPECT_EQ(reader->accounting().steps, uint64_t(reader->callbacks()) + 1);
  }
  close(fd);
}

TEST(SchedReactorTest, KillingATaskParkedOnAPipeCancelsItsRead) {
  auto reactor = Reactor::Create();
  ASSERT_TRUE(reactor.ok());
  Scheduler scheduler({.workers = 2});
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  auto reader =
      std::make_shared<ReaderTask>(scheduler, **reactor, fds[0], Reactor::kCurrentPosition);
  ASSERT_TRUE(scheduler.Submit(reader).ok());
  ASSERT_TRUE(WaitUntil([&] { return reader->state() == TaskState::kParked; }));
  scheduler.RequestKill(*reader);
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  ASSERT_TRUE(WaitUntil([&] { return reader->callbacks() == 1; }));
  std::optional<IoCompletion> last = reader->last_completion();
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(last->cancelled());
  EXPECT_EQ(reader->accounting().steps, 1u);
  reactor.value()->Shutdown();
  EXPECT_EQ(reader->callbacks(), 1);
  close(fds[0]);
  close(fds[1]);
}

uint64_t ProcessCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

// Not a speed bound: a spinning worker or reactor would burn the whole 300 ms
// of each of its threads; sleeping ones burn next to nothing.
TEST(SchedReactorTest, IdleWorkersAndReactorSleep) {
  auto reactor = Reactor::Create();
  ASSERT_TRUE(reactor.ok());
  Scheduler scheduler({.workers = 2});
  auto failing = std::make_shared<ReaderTask>(scheduler, **reactor, -1, 0);  // EBADF: done.
  ASSERT_TRUE(scheduler.Submit(failing).ok());
  ASSERT_TRUE(scheduler.WaitAllDone(kPatience));
  uint64_t before = ProcessCpuNs();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t used = ProcessCpuNs() - before;
  EXPECT_LT(used, 100'000'000u) << "idle threads used " << used << " ns of CPU";
  EXPECT_EQ(failing->error(), EBADF);
}

}  // namespace
}  // namespace shoal::kernel
