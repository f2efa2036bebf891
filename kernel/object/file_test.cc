// The local File: what only a host descriptor does.
#include "kernel/object/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "kernel/base/temp_dir.h"
#include "kernel/object/directory.h"
#include "kernel/object/object_test_support.h"

namespace shoal::kernel {
namespace {

using testing::kRootRights;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// A read of an empty FIFO does not hold the caller: it completes when data
// comes. (File behaviour shared with proxies is in kernel/remote/file_ops_test.cc.)
TEST(FileTest, ReadOfAnEmptyFifoReturnsAtOnceAndCompletesLater) {
  shoal::testing::TempDir tmp;
  ASSERT_EQ(::mkfifo(tmp.Join("fifo").c_str(), 0600), 0);
  testing::LocalObjects objects;
  auto root = objects.OpenRoot(tmp.path());
  OpenOptions both;
  both.read = both.write = true;  // O_RDWR: opening a FIFO so never blocks.
  auto entry = root->Open("fifo", both, kRootRights, kRootRights);
  ASSERT_TRUE(entry.ok()) << entry.error();
  auto fifo = std::static_pointer_cast<FileOps>(entry->object);

  std::mutex mu;
  std::condition_variable cv;
  std::optional<ErrnoResult<std::vector<uint8_t>>> got;
  fifo->ReadAsync(0, 16, [&](ErrnoResult<std::vector<uint8_t>> bytes) {
    std::lock_guard lock(mu);
    got.emplace(std::move(bytes));
    cv.notify_all();
  });
  {
    std::lock_guard lock(mu);
    EXPECT_FALSE(got.has_value());  // Nothing to read: the call did not wait for it.
  }
  auto written = fifo->Write(0, Bytes("ping"));
  ASSERT_TRUE(written.ok()) << written.error();
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.has_value(); }));
  ASSERT_TRUE(got->ok());
  EXPECT_EQ(got->value(), Bytes("ping"));
}

}  // namespace
}  // namespace shoal::kernel
