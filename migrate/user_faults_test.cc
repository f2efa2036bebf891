#include "migrate/user_faults.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

namespace shoal::migrate {
namespace {

constexpr uint64_t kPage = UserFaults::kPageBytes;
constexpr uint64_t kPages = 16;

// A private anonymous mapping registered with a fresh UserFaults.
class UserFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<UserFaults>> opened = UserFaults::Open();
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    faults_ = std::move(opened).value();
    void* p =
        mmap(nullptr, kPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    base_ = static_cast<uint8_t*>(p);
    ASSERT_TRUE(faults_->Register(base_, kPages * kPage).ok());
  }
  void TearDown() override {
    faults_.reset();  // Wakes anything still waiting before the memory goes.
    if (base_ != nullptr) munmap(base_, kPages * kPage);
  }

  // The next fault's address, waiting at most 10 s for it.
  uint64_t AwaitFault() {
    pollfd p{faults_->fd(), POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) return 0;
    Result<std::optional<uint64_t>> fault = faults_->NextFault();
    return fault.ok() && fault->has_value() ? **fault : 0;
  }
  uint64_t Address(uint64_t page) const { return reinterpret_cast<uint64_t>(base_ + page * kPage); }

  std::unique_ptr<UserFaults> faults_;
  uint8_t* base_ = nullptr;
};

TEST_F(UserFaultsTest, AReaderOfAMissingPageWaitsForItAndSeesWhatWasPlaced) {
  std::atomic<int> seen{-1};
  std::thread reader([&] { seen = base_[3 * kPage + 7]; });
  ASSERT_EQ(AwaitFault(), Address(3));
  EXPECT_EQ(seen.load(), -1);  // Still waiting.
  std::vector<uint8_t> page(kPage, 0xab);
  Result<uint64_t> placed = faults_->Place(base_ + 3 * kPage, page.data(), kPage);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  EXPECT_EQ(*placed, 1u);
  reader.join();
  EXPECT_EQ(seen.load(), 0xab);
  Result<std::optional<uint64_t>> none = faults_->NextFault();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(UserFaultsTest, APlacedOrWrittenPageIsNeverOverwritten) {
  std::vector<uint8_t> first(kPage, 1);
  ASSERT_EQ(*faults_->Place(base_ + 4 * kPage, first.data(), kPage), 1u);
  base_[4 * kPage] = 9;  // The process wrote it since.
  std::vector<uint8_t> later(4 * kPage, 2);
  Result<uint64_t> placed = faults_->Place(base_ + 2 * kPage, later.data(), 4 * kPage);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  EXPECT_EQ(*placed, 3u);  // Pages 2, 3 and 5.
  EXPECT_EQ(base_[4 * kPage], 9);
  EXPECT_EQ(base_[4 * kPage + 1], 1);
  EXPECT_EQ(base_[2 * kPage], 2);
  EXPECT_EQ(base_[5 * kPage + kPage - 1], 2);
  Result<uint64_t> zero = faults_->Zero(base_ + 4 * kPage, 4 * kPage);
  ASSERT_TRUE(zero.ok()) << zero.error().message;
  EXPECT_EQ(*zero, 2u);  // Pages 6 and 7.
  EXPECT_EQ(base_[6 * kPage], 0);
}

TEST_F(UserFaultsTest, ASyscallWritingIntoAMissingPageWaitsForItToo) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const std::array<uint8_t, 5> message{'h', 'e', 'l', 'l', 'o'};
  ASSERT_EQ(write(pipe_fds[1], message.data(), message.size()), ssize_t(message.size()));
  std::atomic<ssize_t> got{-2};
  std::thread reader([&] { got = read(pipe_fds[0], base_ + 10 * kPage, message.size()); });
  ASSERT_EQ(AwaitFault(), Address(10));
  std::vector<uint8_t> page(kPage, 0x55);
  ASSERT_TRUE(faults_->Place(base_ + 10 * kPage, page.data(), kPage).ok());
  reader.join();
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  ASSERT_EQ(got.load(), ssize_t(message.size()));
  EXPECT_EQ(base_[10 * kPage], 'h');
  EXPECT_EQ(base_[10 * kPage + 5], 0x55);  // The placed page, then the read's bytes.
}

// How a post-copy that ends (finished or failed) lets go of its memories.
TEST_F(UserFaultsTest, ClosingWakesAWaitingReaderWithZeros) {
  std::atomic<int> seen{-1};
  std::thread reader([&] { seen = base_[8 * kPage]; });
  ASSERT_EQ(AwaitFault(), Address(8));
  faults_.reset();
  reader.join();
  EXPECT_EQ(seen.load(), 0);
  base_[9 * kPage] = 3;  // No longer registered: an ordinary page.
  EXPECT_EQ(base_[9 * kPage], 3);
}

TEST_F(UserFaultsTest, PlacingIntoUnmappedMemoryIsRefused) {
  void* gone = std::exchange(base_, nullptr);
  ASSERT_EQ(munmap(gone, kPages * kPage), 0);
  std::vector<uint8_t> page(kPage, 1);
  Result<uint64_t> placed = faults_->Place(gone, page.data(), kPage);
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().status, Status::kNotFound);
}

}  // namespace
}  // namespace shoal::migrate
