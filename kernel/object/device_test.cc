// Device behaviour, run against local devices and against proxies.
#include "kernel/object/device.h"

#include <gtest/gtest.h>

#include <set>

#include "kernel/object/object_test_support.h"

namespace shoal::kernel {
namespace {

using testing::FactoryName;
using testing::ObjectFactories;
using testing::QueueDevice;
using testing::WaitForSignals;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

template <typename Factory>
class DeviceTest : public ::testing::Test {
 protected:
  Factory objects_;
};
TYPED_TEST_SUITE(DeviceTest, ObjectFactories, FactoryName);

TYPED_TEST(DeviceTest, BasicDevicesDescribeThemselves) {
  auto random = this->objects_.CreateDevice(BasicDeviceKind::kRandom);
  Result<DeviceInfo> info = random->Describe();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->device_class, "random");
  EXPECT_EQ(info->name, "random");
  ASSERT_EQ(info->properties.size(), 1u);
  EXPECT_EQ(info->properties[0].first, "source");
  EXPECT_EQ(this->objects_.CreateDevice(BasicDeviceKind::kNull)->Describe()->device_class, "null");
  EXPECT_EQ(this->objects_.CreateDevice(BasicDeviceKind::kZero)->Describe()->device_class, "zero");
}

TYPED_TEST(DeviceTest, NullEndsAtOnceAndSwallowsWrites) {
  auto null = this->objects_.CreateDevice(BasicDeviceKind::kNull);
  Result<std::vector<uint8_t>> read = null->Read(100);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
  EXPECT_EQ(*null->Write(Bytes("discarded")), 9u);
  auto managed =
      this->objects_.Share(Ref<DeviceOps>(BasicDevice::Create(BasicDeviceKind::kNull).value()),
                           DefaultRights(ObjectType::kDevice) | Rights::kManage);
  EXPECT_EQ(managed->Control(Bytes("x")).error().status, Status::kNotSupported);
}

TYPED_TEST(DeviceTest, ZeroGivesZerosUpToTheTransferLimit) {
  auto zero = this->objects_.CreateDevice(BasicDeviceKind::kZero);
  EXPECT_EQ(*zero->Read(5), std::vector<uint8_t>(5, 0));
  EXPECT_EQ(zero->Read(1 << 30)->size(), DeviceOps::kMaxTransfer);
  std::vector<uint8_t> big(DeviceOps::kMaxTransfer + 1);
  EXPECT_EQ(zero->Write(big).error().status, Status::kInvalidArgs);
}

TYPED_TEST(DeviceTest, RandomBytesDiffer) {
  auto random = this->objects_.CreateDevice(BasicDeviceKind::kRandom);
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 4; ++i) {
    Result<std::vector<uint8_t>> bytes = random->Read(32);
    ASSERT_TRUE(bytes.ok());
    ASSERT_EQ(bytes->size(), 32u);
    seen.insert(*bytes);
  }
  EXPECT_EQ(seen.size(), 4u);  // 256-bit collisions do not happen.
  EXPECT_TRUE(Contains(random->signals(), Signals::kReadable | Signals::kWritable));
}

TYPED_TEST(DeviceTest, EmptyDeviceShouldWaitThenWakesTheReader) {
  auto local = QueueDevice::Create();
  auto device = this->objects_.Share(Ref<DeviceOps>(local));
  EXPECT_EQ(device->Read(10).error().status, Status::kShouldWait);
  EXPECT_FALSE(Any(device->signals(), Signals::kReadable));
  Signals seen = Signals::kNone;
  ASSERT_TRUE(device->ObserveAsync(Signals::kReadable, [&](Signals s) { seen = s; }).ok());
  local->Feed("frame");
  EXPECT_TRUE(Any(seen, Signals::kReadable));
  EXPECT_EQ(*device->Read(3), Bytes("fra"));
  EXPECT_EQ(*device->Read(10), Bytes("me"));
  EXPECT_FALSE(Any(device->signals(), Signals::kReadable));
}

TYPED_TEST(DeviceTest, UnpluggedDeviceReportsPeerClosed) {
  auto local = QueueDevice::Create();
  auto device = this->objects_.Share(Ref<DeviceOps>(local));
  local->Feed("last");
  local->Unplug();
  EXPECT_TRUE(Any(WaitForSignals(*device, Signals::kPeerClosed), Signals::kPeerClosed));
  EXPECT_EQ(*device->Read(10), Bytes("last"));  // Queued bytes first.
  EXPECT_EQ(device->Read(10).error().status, Status::kPeerClosed);
  EXPECT_EQ(device->Write(Bytes("x")).error().status, Status::kPeerClosed);
}

TYPED_TEST(DeviceTest, ControlCarriesOpaqueRequestAndReply) {
  auto device = this->objects_.Share(Ref<DeviceOps>(QueueDevice::Create()),
                                     DefaultRights(ObjectType::kDevice) | Rights::kManage);
  EXPECT_EQ(*device->Control(Bytes("abc")), Bytes("cba"));
  Result<DeviceInfo> info = device->Describe();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->device_class, "test-queue");
  ASSERT_EQ(info->properties.size(), 2u);
  EXPECT_EQ(info->properties[1], std::make_pair(std::string("rate"), std::string("any")));
}

// The server checks the rights it granted: a proxy exported without kRead or
// kManage cannot read or control.
TEST(DeviceProxyTest, ServerEnforcesExportedRights) {
  LoopbackConnection connection;
  auto proxy = connection.Proxy(BasicDevice::Create(BasicDeviceKind::kZero).value(),
                                Rights::kWrite | Rights::kWait);
  ASSERT_TRUE(proxy.ok());
  auto device = std::static_pointer_cast<DeviceOps>(*proxy);
  EXPECT_EQ(device->Read(1).error().status, Status::kAccessDenied);
  EXPECT_EQ(device->Control(Bytes("x")).error().status, Status::kAccessDenied);
  EXPECT_EQ(*device->Write(Bytes("ok")), 2u);
  EXPECT_TRUE(device->Describe().ok());  // Needs no right.
}

}  // namespace
}  // namespace shoal::kernel
