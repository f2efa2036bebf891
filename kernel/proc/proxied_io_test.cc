// A process reading a proxied File parks while the read is in flight: the
// object server answers from the file's completion, so no worker waits for
// the disk, even on a kernel with a single worker.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <mutex>
#include <vector>

#include "kernel/base/temp_dir.h"
#include "kernel/object/channel.h"
#include "kernel/object/directory.h"
#include "kernel/object/loopback.h"
#include "kernel/proc/proc_test_support.h"

namespace shoal::kernel {
namespace {

using namespace testing;  // The kernel test helpers (proc_test_support.h).

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
  int Sync(int fd, bool data_only, Callback done) override {
    return Hold([=] { return InlineFileIo::Shared().Sync(fd, data_only, done); });
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

TEST(ProxiedIoTest, AProxiedFileReadParksTheProcessNotTheWorker) {
  shoal::testing::TempDir dir;
  std::string text = "answered from the completion\n";
  std::ofstream(dir.Join("input")) << text;
  GatedFileIo disk;
  auto kernel = OneWorkerKernel();
  Ref<Directory> root = std::move(Directory::OpenRoot(dir.path(), disk)).value();
  Rights file_rights = Rights::kRead | Rights::kTransfer | Rights::kDuplicate;
  HandleEntry local =
      std::move(root->Open("input", OpenOptions{.read = true}, file_rights, file_rights)).value();
  LoopbackConnection connection;
  Ref<KernelObject> proxy = std::move(connection.Proxy(local.object, local.rights)).value();

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

}  // namespace
}  // namespace shoal::kernel
