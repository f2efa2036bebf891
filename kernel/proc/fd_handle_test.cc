// WASI descriptors are views of handles in the process's HandleTable: stdio
// views the process's consoles and a stdin device, preopens view Directory
// handles, and closing, replacing or sending a handle ends its descriptor.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "kernel/base/temp_dir.h"
#include "kernel/object/channel.h"
#include "kernel/object/device.h"
#include "kernel/object/directory.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/proc/process.h"

namespace shoal::kernel {
namespace {

using namespace testing;  // The kernel test helpers (proc_test_support.h).

TEST(FdHandleTest, DescriptorsAndHandlesNeverDisagree) {
  shoal::testing::TempDir dir;
  std::ofstream(dir.Join("input")) << "readable";
  auto kernel = OneWorkerKernel();
  SpawnRequest request = RequestFor("fd_handle_views");
  request.preopens.push_back(wasi::Preopen{dir.path(), "/data", {}});
  Spawned spawned = SpawnWithOutput(*kernel, std::move(request));
  ASSERT_NE(spawned.out, nullptr);
  // A non-zero code names the step of fd_handle_views.wat that failed.
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);
  EXPECT_EQ(TextOf(spawned.out), "hi\n");
}

TEST(FdHandleTest, EveryStartupDescriptorHoldsAHandle) {
  shoal::testing::TempDir dir;
  auto kernel = OneWorkerKernel();
  auto [here, there] = std::move(Channel::Create()).value();
  SpawnRequest request = RequestFor("idle");  // Parks reading `there`.
  request.preopens.push_back(wasi::Preopen{dir.path(), "/data", {}});
  request.handles.push_back({std::move(there), DefaultRights(ObjectType::kChannel)});
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  std::shared_ptr<Process> process = kernel->Find(spawned->pid);
  ASSERT_NE(process, nullptr);

  std::vector<HandleRecord> records = process->handles().Snapshot();
  ASSERT_EQ(records.size(), 5u);  // stdin, stdout, stderr, the preopen, the channel.
  std::set<ObjectType> types;
  for (const HandleRecord& record : records) types.insert(record.entry.object->type());
  EXPECT_EQ(types, (std::set<ObjectType>{ObjectType::kDevice, ObjectType::kConsole,
                                         ObjectType::kDirectory, ObjectType::kChannel}));
  wasi::DescriptorTable& fds = process->wasi().fds();
  ASSERT_TRUE(fds.Get(1).ok() && fds.Get(2).ok());
  // Descriptors 1 and 2 view the two streams of the log `shoal logs` reads.
  for (ConsoleStream stream : {ConsoleStream::kStdout, ConsoleStream::kStderr}) {
    HandleValue handle = fds.Get(1 + uint32_t(stream)).value()->handle;
    Ref<KernelObject> object = process->handles().GetEntry(handle, Rights::kWrite)->object;
    ASSERT_EQ(object->type(), ObjectType::kConsole);
    auto console = std::static_pointer_cast<Console>(object);
    EXPECT_EQ(console->log(), process->console_log());
    EXPECT_EQ(console->stream(), stream);
  }
  // stdin is a device that can be read, not written.
  HandleEntry in = process->handles().GetEntry(fds.Get(0).value()->handle, Rights::kNone).value();
  EXPECT_TRUE(Contains(in.rights, Rights::kRead));
  EXPECT_FALSE(Contains(in.rights, Rights::kWrite));
  auto device = std::static_pointer_cast<DeviceOps>(in.object);
  EXPECT_EQ(device->Describe()->device_class, "stdin");
  EXPECT_TRUE(device->Read(16)->empty());  // No stdin given: end of input.

  here.reset();
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), 107);  // Its channel's peer closed.
}

// A Directory handle becomes a descriptor to open paths beneath, with only
// the rights the handle carries: this read-only one cannot create files.
TEST(FdHandleTest, ADirectoryHandleBecomesADescriptor) {
  shoal::testing::TempDir dir;
  std::ofstream(dir.Join("input")) << "beneath a handed-over directory\n";
  auto kernel = OneWorkerKernel();
  Ref<Directory> root = std::move(Directory::OpenRoot(dir.path(), kernel->file_io())).value();
  SpawnRequest request = RequestFor("dir_from_handle");
  request.handles.push_back(
      {root, Rights::kRead | Rights::kDuplicate | Rights::kTransfer | Rights::kWait});
  Spawned spawned = SpawnWithOutput(*kernel, std::move(request));
  ASSERT_NE(spawned.out, nullptr);
  // A non-zero code names the step of dir_from_handle.wat that failed.
  EXPECT_EQ(WaitCode(*kernel, spawned.pid), 0);
  EXPECT_EQ(TextOf(spawned.out), "beneath a handed-over directory\n");
  EXPECT_FALSE(std::filesystem::exists(dir.Join("new")));
}

}  // namespace
}  // namespace shoal::kernel
