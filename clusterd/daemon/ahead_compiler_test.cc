// AheadCompiler: modules compiled in the order they came, each future
// ready once its module was; a full queue refuses more at once; stopping
// leaves no future waiting for good.
#include "clusterd/daemon/ahead_compiler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace shoal::clusterd {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const std::vector<uint8_t>> Module(uint8_t tag) {
  return std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{tag});
}

// A compile step that records each module and, while `held`, waits.
struct Recorder {
  void Compile(const std::vector<uint8_t>& module) {
    std::unique_lock<std::mutex> lock(mu);
    seen.push_back(module[0]);
    changed.notify_all();
    changed.wait_for(lock, 10s, [&] { return !held; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    held = false;
    changed.notify_all();
  }
  bool WaitSeen(size_t count) {
    std::unique_lock<std::mutex> lock(mu);
    return changed.wait_for(lock, 10s, [&] { return seen.size() >= count; });
  }
  std::mutex mu;
  std::condition_variable changed;
  std::vector<uint8_t> seen;
  bool held = false;
};

TEST(AheadCompilerTest, ModulesAreCompiledInOrderAndTheirFuturesBecomeReady) {
  Recorder recorder;
  AheadCompiler compiler([&](const std::vector<uint8_t>& m) { recorder.Compile(m); });
  std::vector<std::shared_future<void>> done;
  for (uint8_t tag = 1; tag <= 3; ++tag) done.push_back(compiler.Add(Module(tag)));
  for (auto& future : done) {
    ASSERT_TRUE(future.valid());
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
  }
  std::lock_guard<std::mutex> lock(recorder.mu);
  EXPECT_EQ(recorder.seen, (std::vector<uint8_t>{1, 2, 3}));
}

TEST(AheadCompilerTest, AFullQueueRefusesAndStoppingReadiesEveryFuture) {
  Recorder recorder;
  recorder.held = true;
  std::vector<std::shared_future<void>> done;
  {
    AheadCompiler compiler([&](const std::vector<uint8_t>& m) { recorder.Compile(m); });
    done.push_back(compiler.Add(Module(0)));
    ASSERT_TRUE(recorder.WaitSeen(1));  // In hand: the queue is empty again.
    for (size_t i = 0; i < AheadCompiler::kMaxWaiting; ++i) {
      done.push_back(compiler.Add(Module(uint8_t(i + 1))));
      ASSERT_TRUE(done.back().valid());
    }
    // Prepare compiles this one itself.
    EXPECT_FALSE(compiler.Add(Module(99)).valid());
    EXPECT_EQ(done.front().wait_for(0s), std::future_status::timeout);
    recorder.Release();
    // The destructor stops after the module in hand.
  }
  for (auto& future : done) EXPECT_EQ(future.wait_for(0s), std::future_status::ready);
  std::lock_guard<std::mutex> lock(recorder.mu);
  EXPECT_GE(recorder.seen.size(), 1u);
  EXPECT_EQ(recorder.seen.front(), 0);
}

}  // namespace
}  // namespace shoal::clusterd
