// Guests reading through handles of another node's objects, over every
// transport of remote::Pair: a process reading a proxied File or Device
// parks while the read is in flight (the server answers from the object's
// completion), so no worker waits for the disk or the device, even on a
// kernel with a single worker, and the guest reads what a local handle
// would give.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <mutex>
#include <vector>

#include "kernel/base/temp_dir.h"
#include "kernel/object/channel.h"
#include "kernel/object/directory.h"
#include "kernel/object/object_test_support.h"
#include "kernel/object/provider.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::OneWorkerKernel;
using kernel::testing::QueueDevice;
using kernel::testing::RequestFor;
using kernel::testing::Spawned;
using kernel::testing::SpawnWithOutput;
using kernel::testing::TextOf;
using kernel::testing::WaitCode;
using kernel::testing::WaitUntil;

// Real reads and writes (InlineFileIo), each held back until Release(): a
// disk as slow as the test wants.
class GatedFileIo final : public FileIo {
 public:
  int Read(int fd, std::span<uint8_t> buffer, uint64_t offset, Callback done) override {
    return Hold([=] { return InlineFileIo::Shared().Read(fd, buffer, offset, done); });
  }
  int Write(int fd, std::span<const uint8_t> buffer, uint64_t offset, Callback done) override {
    return Hold([=] { return InlineFileIo::Shared().Write(fd, buffer, offset, done); });
  }
  int Sync(int fd, SyncScope scope, Callback done) override {
    return Hold([=] { return InlineFileIo::Shared().Sync(fd, scope, done); });
  }

  size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  // Runs the held operations, and every later one at once.
  void Release() {
    std::vector<std::function<int()>> held;
    {
      std::lock_guard lock(mu_);
      open_ = true;
      held.swap(held_);
    }
    for (auto& op : held) op();
  }

 private:
  int Hold(std::function<int()> op) {
    {
      std::lock_guard lock(mu_);
      if (!open_) {
        held_.push_back(std::move(op));
        return 0;
      }
    }
    return op();
  }

  std::mutex mu_;
  bool open_ = false;
  std::vector<std::function<int()>> held_;
};

// The pair's servers go in TearDown, before the kernel.
class GuestIoRemoteTest : public testing::PairTest {
 protected:
  std::unique_ptr<Kernel> kernel_ = OneWorkerKernel();
};

TEST_P(GuestIoRemoteTest, AProxiedFileReadParksTheProcessNotTheWorker) {
  shoal::testing::TempDir dir;
  std::string text = "answered from the completion\n";
  std::ofstream(dir.Join("input")) << text;
  GatedFileIo disk;
  auto& kernel = kernel_;
  Ref<Directory> root = std::move(Directory::OpenRoot(dir.path(), disk)).value();
  Rights file_rights = Rights::kRead | Rights::kTransfer | Rights::kDuplicate;
  HandleEntry local =
      std::move(root->Open("input", OpenOptions{.read = true}, file_rights, file_rights)).value();
  Ref<KernelObject> proxy = ProxyOf<FileOps>(local.object, local.rights);
  ASSERT_NE(proxy, nullptr);

  auto [a, b] = std::move(Channel::Create()).value();
  ASSERT_TRUE(a->Write({}, {HandleEntry{proxy, file_rights}}).ok());
  SpawnRequest receiver = RequestFor("recv_file");  // fd_from_handle, then fd_read to stdout.
  receiver.handles.push_back({b, DefaultRights(ObjectType::kChannel)});
  b.reset();
  Spawned got = SpawnWithOutput(*kernel, std::move(receiver));
  ASSERT_NE(got.out, nullptr);

  // The read reached the disk and is held there...
  ASSERT_TRUE(WaitUntil([&] { return disk.held() == 1; }));
  // ...while the only worker still runs another process to its end.
  Result<SpawnResult> other = kernel->Spawn(RequestFor("exit42"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(WaitCode(*kernel, other->pid), 42);
  EXPECT_NE(kernel->Find(got.pid), nullptr);
  EXPECT_EQ(TextOf(got.out), "");

  disk.Release();
  EXPECT_EQ(WaitCode(*kernel, got.pid), 0);
  EXPECT_EQ(TextOf(got.out), text);
}

// device_reader opens /dev/q, bound here to a proxy of a device of side A,
// and parks in device_read until bytes are fed there.
TEST_P(GuestIoRemoteTest, ADeviceReadParksOnAProxiedDevice) {
  auto device = QueueDevice::Create();
  Ref<DeviceOps> proxy = ProxyOf<DeviceOps>(device, Rights::kAll);
  ASSERT_NE(proxy, nullptr);
  auto ns = kernel_->root_namespace().Clone();
  ASSERT_TRUE(ns->Bind("/dev/q", ObjectProvider::Create(proxy, Rights::kAll)).ok());
  proxy.reset();
  SpawnRequest request = RequestFor("device_reader");
  request.ns = std::move(ns);
  Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  std::shared_ptr<Process> reader = kernel_->Find(spawned->pid);
  ASSERT_TRUE(reader && WaitUntil([&] { return reader->state() == TaskState::kParked; }));
  reader.reset();
  device->Feed("frame!!");
  EXPECT_EQ(WaitCode(*kernel_, spawned->pid), 7);  // The bytes it read.
}

INSTANTIATE_TEST_SUITE_P(Transports, GuestIoRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
