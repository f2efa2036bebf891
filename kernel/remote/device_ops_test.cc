// Device behaviour, run against local devices and against proxies of them
// over every transport (ops_test_support.h).
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "kernel/object/device.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/ops_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::QueueDevice;
using kernel::testing::WaitForSignals;
using kernel::testing::WaitUntil;
using namespace testing;  // ops_test_support.h

class DeviceTest : public OpsTest {};

TEST_P(DeviceTest, BasicDevicesDescribeThemselves) {
  auto random = objects_.CreateDevice(BasicDeviceKind::kRandom);
  Result<DeviceInfo> info = random->Describe();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->device_class, "random");
  EXPECT_EQ(info->name, "random");
  ASSERT_EQ(info->properties.size(), 1u);
  EXPECT_EQ(info->properties[0].first, "source");
  EXPECT_EQ(objects_.CreateDevice(BasicDeviceKind::kNull)->Describe()->device_class, "null");
  EXPECT_EQ(objects_.CreateDevice(BasicDeviceKind::kZero)->Describe()->device_class, "zero");
}

TEST_P(DeviceTest, NullEndsAtOnceAndSwallowsWrites) {
  auto null = objects_.CreateDevice(BasicDeviceKind::kNull);
  Result<std::vector<uint8_t>> read = null->Read(100);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
  EXPECT_EQ(*null->Write(Bytes("discarded")), 9u);
  auto managed = objects_.Share(Ref<DeviceOps>(BasicDevice::Create(BasicDeviceKind::kNull).value()),
                                DefaultRights(ObjectType::kDevice) | Rights::kManage);
  EXPECT_EQ(managed->Control(Bytes("x")).error().status, Status::kNotSupported);
}

TEST_P(DeviceTest, ZeroGivesZerosUpToTheTransferLimit) {
  auto zero = objects_.CreateDevice(BasicDeviceKind::kZero);
  EXPECT_EQ(*zero->Read(5), std::vector<uint8_t>(5, 0));
  EXPECT_EQ(zero->Read(1 << 30)->size(), DeviceOps::kMaxTransfer);
  std::vector<uint8_t> big(DeviceOps::kMaxTransfer + 1);
  EXPECT_EQ(zero->Write(big).error().status, Status::kInvalidArgs);
}

TEST_P(DeviceTest, RandomBytesDiffer) {
  auto random = objects_.CreateDevice(BasicDeviceKind::kRandom);
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 4; ++i) {
    Result<std::vector<uint8_t>> bytes = random->Read(32);
    ASSERT_TRUE(bytes.ok());
    ASSERT_EQ(bytes->size(), 32u);
    seen.insert(*bytes);
  }
  EXPECT_EQ(seen.size(), 4u);  // 256-bit collisions do not happen.
  EXPECT_TRUE(WaitUntil(
      [&] { return Contains(random->signals(), Signals::kReadable | Signals::kWritable); }));
}

TEST_P(DeviceTest, EmptyDeviceShouldWaitThenWakesTheReader) {
  auto local = QueueDevice::Create();
  auto device = objects_.Share(Ref<DeviceOps>(local));
  EXPECT_EQ(device->Read(10).error().status, Status::kShouldWait);
  EXPECT_FALSE(Any(device->signals(), Signals::kReadable));
  std::atomic<Signals> seen = Signals::kNone;
  ASSERT_TRUE(device->ObserveAsync(Signals::kReadable, [&](Signals s) { seen = s; }).ok());
  local->Feed("frame");
  EXPECT_TRUE(WaitUntil([&] { return Any(seen, Signals::kReadable); }));
  EXPECT_EQ(*device->Read(3), Bytes("fra"));
  EXPECT_EQ(*device->Read(10), Bytes("me"));
  EXPECT_TRUE(WaitUntil([&] { return !Any(device->signals(), Signals::kReadable); }));
}

TEST_P(DeviceTest, UnpluggedDeviceReportsPeerClosed) {
  auto local = QueueDevice::Create();
  auto device = objects_.Share(Ref<DeviceOps>(local));
  local->Feed("last");
  local->Unplug();
  EXPECT_TRUE(Any(WaitForSignals(*device, Signals::kPeerClosed), Signals::kPeerClosed));
  EXPECT_EQ(*device->Read(10), Bytes("last"));  // Queued bytes first.
  EXPECT_EQ(device->Read(10).error().status, Status::kPeerClosed);
  EXPECT_EQ(device->Write(Bytes("x")).error().status, Status::kPeerClosed);
}

TEST_P(DeviceTest, ControlCarriesOpaqueRequestAndReply) {
  auto device = objects_.Share(Ref<DeviceOps>(QueueDevice::Create()),
                               DefaultRights(ObjectType::kDevice) | Rights::kManage);
  EXPECT_EQ(*device->Control(Bytes("abc")), Bytes("cba"));
  Result<DeviceInfo> info = device->Describe();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->device_class, "test-queue");
  ASSERT_EQ(info->properties.size(), 2u);
  EXPECT_EQ(info->properties[1], std::make_pair(std::string("rate"), std::string("any")));
}

INSTANTIATE_TEST_SUITE_P(Local, DeviceTest, ::testing::Values(Where()), WhereName());
INSTANTIATE_TEST_SUITE_P(Wire, DeviceTest, testing::AllTransports(), WhereName());

}  // namespace
}  // namespace shoal::kernel::remote
