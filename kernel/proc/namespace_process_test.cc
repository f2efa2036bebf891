// Namespaces seen from real processes: the basic devices opened by a guest,
// namespaces narrowed by the spawner, mounts reaching later spawns only, a
// guest parked in device_read on a local device (on a proxied one:
// kernel/remote/guest_io_remote_test.cc).
#include <gtest/gtest.h>

#include "kernel/abi/link.h"
#include "kernel/object/object_test_support.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {
namespace {

using testing::QueueDevice;
using testing::RequestFor;
using testing::WaitUntil;

class NamespaceProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KernelOptions options;
    options.link_imports = abi::LinkProcessImports;
    options.workers = 2;
    kernel_ = std::move(Kernel::Create(options).value());
  }

  // Runs testdata/devices.wat with `ns` (null: the node's) to its end;
  // returns its exit code.
  int RunDevices(std::shared_ptr<Namespace> ns) {
    SpawnRequest request = RequestFor("devices");
    request.ns = std::move(ns);
    Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
    EXPECT_TRUE(spawned.ok()) << spawned.error().message;
    if (!spawned.ok()) return -1;
    Result<ExitStatus> status = kernel_->Wait(spawned->pid, testing::kWaitLimit);
    EXPECT_TRUE(status.ok());
    return status.ok() ? status->code : -1;
  }

  // Spawns device_reader.wat with /dev/q bound to `device`; returns it parked.
  Result<SpawnResult> SpawnReader(Ref<DeviceOps> device) {
    auto ns = kernel_->root_namespace().Clone();
    TRY(ns->Bind("/dev/q", ObjectProvider::Create(std::move(device), Rights::kAll)));
    SpawnRequest request = RequestFor("device_reader");
    request.ns = std::move(ns);
    SpawnResult spawned = TRY(kernel_->Spawn(std::move(request)));
    std::shared_ptr<Process> p = kernel_->Find(spawned.pid);
    EXPECT_TRUE(p && WaitUntil([&] { return p->state() == TaskState::kParked; }));
    return spawned;
  }

  std::unique_ptr<Kernel> kernel_;
};

TEST_F(NamespaceProcessTest, BasicDevicesWorkThroughTheNodeNamespace) {
  EXPECT_EQ(RunDevices(nullptr), 0);
}

TEST_F(NamespaceProcessTest, ProcessCannotOpenWhatItsNamespaceLacks) {
  auto narrowed = kernel_->root_namespace().Clone();
  ASSERT_TRUE(narrowed->Unbind("/dev/random").ok());
  EXPECT_EQ(RunDevices(narrowed), 100 + int(Status::kNotFound));
  // The node's namespace is untouched by the narrowing.
  EXPECT_TRUE(kernel_->root_namespace().Open("/dev/random", Rights::kRead).ok());
}

TEST_F(NamespaceProcessTest, MountInTheNodeNamespaceReachesLaterSpawnsOnly) {
  // A process spawned before the mount keeps its view.
  Result<SpawnResult> before = SpawnReader(QueueDevice::Create());
  ASSERT_TRUE(before.ok());
  std::shared_ptr<Process> running = kernel_->Find(before->pid);
  ASSERT_TRUE(running);
  ASSERT_TRUE(kernel_->root_namespace()
                  .Bind("/dev/video1",
                        ObjectProvider::Create(BasicDevice::Create(BasicDeviceKind::kZero).value(),
                                               Rights::kRead | Rights::kWait))
                  .ok());
  EXPECT_EQ(running->ns().Open("/dev/video1", Rights::kRead).error().status, Status::kNotFound);
  running.reset();
  // A later spawn sees it: devices.wat opens /dev/video1 and says so.
  EXPECT_EQ(RunDevices(nullptr), 20);
  ASSERT_TRUE(kernel_->Kill(before->pid).ok());
}

TEST_F(NamespaceProcessTest, MissingPathIsNotFoundForTheGuest) {
  SpawnRequest request = RequestFor("device_reader");  // Its namespace has no /dev/q.
  Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());
  Result<ExitStatus> status = kernel_->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 100 + int(Status::kNotFound));
}

TEST_F(NamespaceProcessTest, DeviceReadParksUntilTheDeviceHasData) {
  auto device = QueueDevice::Create();
  Result<SpawnResult> spawned = SpawnReader(device);
  ASSERT_TRUE(spawned.ok());
  device->Feed("hello");
  Result<ExitStatus> status = kernel_->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 5);
}

TEST_F(NamespaceProcessTest, UnpluggedDeviceWakesTheParkedReader) {
  auto device = QueueDevice::Create();
  Result<SpawnResult> spawned = SpawnReader(device);
  ASSERT_TRUE(spawned.ok());
  device->Unplug();
  Result<ExitStatus> status = kernel_->Wait(spawned->pid, testing::kWaitLimit);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 100 + int(Status::kPeerClosed));
}

}  // namespace
}  // namespace shoal::kernel
