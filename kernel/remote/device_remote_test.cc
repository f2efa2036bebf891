// Devices across the wire, over both transports of remote::Pair: describe,
// read, write and control answer as the device on the serving node does;
// kShouldWait comes back as an answer and kReadable, mirrored through the
// watch, tells the reader when to retry; the server enforces the
// capability's rights; a cut connection fails calls promptly with
// kPeerGone and wakes waiters with kPeerClosed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "kernel/object/device.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::QueueDevice;
using kernel::testing::WaitForSignals;

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }
std::string Text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

class DeviceRemoteTest : public testing::ProxiedTest<QueueDevice, DeviceOps> {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    SetUpProxy(QueueDevice::Create());
  }
};

TEST_P(DeviceRemoteTest, DescribesTheServingDevice) {
  Result<DeviceInfo> info = remote_->Describe();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->device_class, "test-queue");
  EXPECT_EQ(info->name, "queue0");
  ASSERT_EQ(info->properties.size(), 2u);
  EXPECT_EQ(info->properties[0], (std::pair<std::string, std::string>{"format", "bytes"}));
  EXPECT_EQ(info->properties[1], (std::pair<std::string, std::string>{"rate", "any"}));
}

TEST_P(DeviceRemoteTest, ReadWaitsForFedBytesThroughTheMirroredSignal) {
  Result<std::vector<uint8_t>> read = remote_->Read(16);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().status, Status::kShouldWait);
  local_->Feed("frame");
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kReadable), Signals::kReadable));
  read = remote_->Read(3);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(Text(*read), "fra");
  read = remote_->Read(16);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(Text(*read), "me");
  EXPECT_EQ(remote_->Read(16).error().status, Status::kShouldWait);
}

TEST_P(DeviceRemoteTest, WritesAndControls) {
  std::vector<uint8_t> data = Bytes("samples");
  Result<size_t> written = remote_->Write(data);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, data.size());
  std::vector<uint8_t> big(DeviceOps::kMaxTransfer + 1);
  EXPECT_EQ(remote_->Write(big).error().status, Status::kInvalidArgs);

  Ref<DeviceOps> managed =
      ProxyOf<DeviceOps>(local_, DefaultRights(ObjectType::kDevice) | Rights::kManage);
  ASSERT_NE(managed, nullptr);
  std::vector<uint8_t> request = Bytes("abc");
  Result<std::vector<uint8_t>> reply = managed->Control(request);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(Text(*reply), "cba");
  managed.reset();
}

TEST_P(DeviceRemoteTest, ServerEnforcesTheCapabilitysRights) {
  Ref<DeviceOps> read_only = ProxyOf<DeviceOps>(local_, Rights::kRead | Rights::kWait);
  ASSERT_NE(read_only, nullptr);
  std::vector<uint8_t> data = Bytes("x");
  EXPECT_EQ(read_only->Write(data).error().status, Status::kAccessDenied);
  EXPECT_EQ(read_only->Control(data).error().status, Status::kAccessDenied);
  EXPECT_TRUE(read_only->Describe().ok());  // Needs no right.
  Ref<DeviceOps> write_only = ProxyOf<DeviceOps>(local_, Rights::kWrite | Rights::kWait);
  ASSERT_NE(write_only, nullptr);
  local_->Feed("secret");
  EXPECT_EQ(write_only->Read(16).error().status, Status::kAccessDenied);
  read_only.reset();
  write_only.reset();
}

TEST_P(DeviceRemoteTest, UnplugShowsAsPeerClosed) {
  local_->Unplug();
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  EXPECT_EQ(remote_->Read(4).error().status, Status::kPeerClosed);
  std::vector<uint8_t> data = Bytes("x");
  EXPECT_EQ(remote_->Write(data).error().status, Status::kPeerClosed);
}

TEST_P(DeviceRemoteTest, CutConnectionFailsCallsAndWakesWaiters) {
  ASSERT_TRUE(remote_->Describe().ok());
  pair_->Cut();
  EXPECT_TRUE(Any(WaitForSignals(*remote_, Signals::kPeerClosed), Signals::kPeerClosed));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(remote_->Describe().error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Read(4).error().status, Status::kPeerGone);
  std::vector<uint8_t> data = Bytes("x");
  EXPECT_EQ(remote_->Write(data).error().status, Status::kPeerGone);
  EXPECT_EQ(remote_->Control(data).error().status, Status::kPeerGone);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

INSTANTIATE_TEST_SUITE_P(Transports, DeviceRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
