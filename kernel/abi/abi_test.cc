// The shoal host calls from a guest's point of view: isolation between
// handle tables, rights that never grow, and hostile arguments that get
// error codes, never a crash. Calls run through Dispatch() on plain memory
// standing in for linear memory, against a real process parked in the kernel.
#include "kernel/abi/abi.h"

#include <gtest/gtest.h>

#include "kernel/abi/link.h"
#include "kernel/object/channel.h"
#include "kernel/object/device.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/wasi/guest_memory.h"

namespace shoal::kernel::abi {
namespace {

class AbiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KernelOptions options;
    options.link_imports = abi::LinkProcessImports;
    options.workers = 1;
    kernel_ = std::move(Kernel::Create(options).value());
    a_ = SpawnIdle();
    b_ = SpawnIdle();
  }

  // A process parked in channel_read on its startup handle, forever.
  std::shared_ptr<Process> SpawnIdle() {
    auto [mine, theirs] = Channel::Create().value();
    peers_.push_back(mine);
    SpawnRequest request = testing::RequestFor("idle");
    request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
    Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
    EXPECT_TRUE(spawned.ok());
    std::shared_ptr<Process> p = kernel_->Find(spawned->pid);
    EXPECT_TRUE(testing::WaitUntil([&] { return p->state() == TaskState::kParked; }));
    return p;
  }

  // Calls `name` as `process` with i32/i64 arguments; returns the i32 result.
  int32_t Call(Process& process, std::string_view name, std::vector<uint64_t> args) {
    const AbiFunctionSpec* spec = FindAbiFunction(name);
    EXPECT_NE(spec, nullptr) << name;
    std::vector<vm::Value> values;
    for (size_t i = 0; i < args.size(); ++i) {
      values.push_back(spec->params[i] == 'I' ? vm::Value::I64(args[i])
                                              : vm::Value::I32(uint32_t(args[i])));
    }
    AbiCall call(process, wasi::GuestMemory(std::span<uint8_t>(memory_)), values);
    int32_t r = Dispatch(*spec, call);
    EXPECT_EQ(call.action, vm::HostAction::kReturn);
    return r;
  }
  uint32_t Load32(uint32_t addr) { return wasi::GetLe32(&memory_[addr]); }
  static int32_t Err(Status s) { return -int32_t(s); }

  std::unique_ptr<Kernel> kernel_;
  std::vector<Ref<Channel>> peers_;
  std::shared_ptr<Process> a_, b_;
  std::vector<uint8_t> memory_ = std::vector<uint8_t>(65536);
};

TEST_F(AbiTest, TableIsSortedSoLookupFindsEveryCall) {
  std::span<const AbiFunctionSpec> all = AbiFunctions();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
  for (const AbiFunctionSpec& s : all) EXPECT_EQ(FindAbiFunction(s.name), &s);
  EXPECT_EQ(FindAbiFunction("no_such_call"), nullptr);
}

TEST_F(AbiTest, SameHandleValueNamesDifferentObjectsInTwoProcesses) {
  int32_t pa = Call(*a_, "port_create", {});
  int32_t pb = Call(*b_, "port_create", {});
  ASSERT_GT(pa, 0);
  ASSERT_EQ(pa, pb);  // Same table history, same value...
  auto oa = a_->handles().Get<KernelObject>(pa, Rights::kNone);
  auto ob = b_->handles().Get<KernelObject>(pb, Rights::kNone);
  ASSERT_TRUE(oa.ok() && ob.ok());
  EXPECT_NE(oa->get(), ob->get());  // ...different objects.
  // A value that exists only in A's table names nothing in B's.
  int32_t only_a = Call(*a_, "timer_create", {});
  ASSERT_GT(only_a, 0);
  EXPECT_EQ(Call(*b_, "timer_cancel", {uint64_t(only_a)}), Err(Status::kBadHandle));
}

TEST_F(AbiTest, RightsNeverGrow) {
  int32_t port = Call(*a_, "port_create", {});
  uint32_t read_only = uint32_t(Rights::kRead | Rights::kDuplicate);
  int32_t weak = Call(*a_, "handle_duplicate", {uint64_t(port), read_only});
  ASSERT_GT(weak, 0);
  EXPECT_EQ(Call(*a_, "handle_duplicate", {uint64_t(weak), uint32_t(Rights::kAll)}),
            Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "port_queue", {uint64_t(weak), 1}), Err(Status::kAccessDenied));
  int32_t weaker = Call(*a_, "handle_replace", {uint64_t(weak), uint32_t(Rights::kRead)});
  ASSERT_GT(weaker, 0);
  EXPECT_EQ(Call(*a_, "handle_close", {uint64_t(weak)}), Err(Status::kBadHandle));
  EXPECT_EQ(Call(*a_, "handle_duplicate", {uint64_t(weaker), uint32_t(Rights::kRead)}),
            Err(Status::kAccessDenied));
  EXPECT_EQ(Call(*a_, "timer_set", {uint64_t(port), 0}), Err(Status::kWrongType));
}

TEST_F(AbiTest, HostileArgumentsGetErrorCodes) {
  for (uint64_t bad : {0ull, 1ull, 0x7fffffffull, 0xffffffffull, 0x12345ull}) {
    EXPECT_EQ(Call(*a_, "handle_close", {bad}), Err(Status::kBadHandle));
    EXPECT_EQ(Call(*a_, "channel_write", {bad, 0, 0, 0, 0}), Err(Status::kBadHandle));
    EXPECT_EQ(Call(*a_, "process_wait", {bad, 0, 0}), Err(Status::kBadHandle));
    EXPECT_EQ(Call(*a_, "object_wait_one", {bad, 1, 0, 0}), Err(Status::kBadHandle));
  }
  EXPECT_EQ(Call(*a_, "channel_create", {0xfffffffcull}), Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "channel_create", {65536 - 4}), Err(Status::kOutOfBounds));
  ASSERT_EQ(Call(*a_, "channel_create", {0}), 0);
  uint32_t c0 = Load32(0), c1 = Load32(4);
  EXPECT_EQ(Call(*a_, "channel_write", {c0, 0xfffffff0ull, 64, 0, 0}), Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "channel_write", {c0, 0, 0xffffffffull, 0, 0}), Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "channel_write", {c0, 0, 4, 0, 0xffffffffull}), Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "channel_write", {c0, 0, 4, 0xffffff00ull, 2}), Err(Status::kOutOfBounds));
  // A handle cannot travel through its own channel; a bad one fails the write.
  memory_[100] = uint8_t(c0), memory_[101] = uint8_t(c0 >> 8), memory_[102] = uint8_t(c0 >> 16);
  memory_[103] = 0;
  EXPECT_EQ(Call(*a_, "channel_write", {c0, 0, 4, 100, 1}), Err(Status::kInvalidArgs));
  ASSERT_EQ(Call(*a_, "channel_write", {c0, 0, 8, 0, 0}), 0);
  // A read with a wild pointer fails before dequeuing: the message survives.
  EXPECT_EQ(Call(*a_, "channel_read", {c1, 0, 1000, 8, 0, 0, 0xfffffff8ull}),
            Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "channel_read", {c1, 0, 0xfffffff0ull, 8, 0, 0, 200}),
            Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "channel_read", {c1, 0, 1000, 4, 0, 0, 200}), Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "channel_read", {c1, 0, 1000, 8, 0, 0, 200}), 8);
  EXPECT_EQ(Call(*a_, "channel_read", {c1, 0, 1000, 8, 0, 0, 200}), Err(Status::kShouldWait));
  EXPECT_EQ(Call(*a_, "channel_read", {c1, 7, 1000, 8, 0, 0, 200}), Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "process_spawn", {0, 0xffffffffull, 0, 0, 0, 0}), Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "process_spawn", {0, 16, 0, 0, 0, 0}), Err(Status::kMalformed));
  EXPECT_EQ(Call(*a_, "port_wait", {uint64_t(Call(*a_, "port_create", {})), 0, 0xffffffe0ull}),
            Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "startup_handle", {5}), Err(Status::kNotFound));
}

TEST_F(AbiTest, HandlesPassedToAFailedSpawnStayWithTheCaller) {
  ASSERT_EQ(Call(*a_, "channel_create", {0}), 0);
  uint32_t c0 = Load32(0);
  memcpy(&memory_[100], &c0, 4);
  EXPECT_EQ(Call(*a_, "process_spawn", {200, 16, 0, 0, 100, 1}), Err(Status::kMalformed));
  EXPECT_EQ(Call(*a_, "handle_close", {c0}), 0);
}

TEST_F(AbiTest, SpawnMovesHandlesIntoTheChild) {
  std::vector<uint8_t> module = testing::ReadModule("idle");
  ASSERT_LT(module.size(), 4000u);
  std::copy(module.begin(), module.end(), memory_.begin() + 8192);
  ASSERT_EQ(Call(*a_, "channel_create", {0}), 0);
  uint32_t c0 = Load32(0), c1 = Load32(4);
  memcpy(&memory_[100], &c1, 4);
  int32_t child = Call(*a_, "process_spawn", {8192, module.size(), 0, 0, 100, 1});
  ASSERT_GT(child, 0);
  EXPECT_EQ(Call(*a_, "handle_close", {c1}), Err(Status::kBadHandle));  // Moved.
  memcpy(&memory_[300], "hello", 5);
  ASSERT_EQ(Call(*a_, "channel_write", {c0, 300, 5, 0, 0}), 0);
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Call(*a_, "process_wait", {uint64_t(child), 0, 400}) == 0;
  }));
  EXPECT_EQ(Load32(400), 5u);  // The child read 5 bytes and exited with that.
}

// Puts `path` at `addr` in the test memory; returns its length.
uint64_t PutPath(std::vector<uint8_t>& memory, uint32_t addr, std::string_view path) {
  std::copy(path.begin(), path.end(), memory.begin() + addr);
  return path.size();
}

TEST_F(AbiTest, NamespaceOpenRefusesHostileArguments) {
  constexpr uint64_t kRead = uint64_t(Rights::kRead);
  uint64_t len = PutPath(memory_, 1000, "/dev/zero");
  EXPECT_EQ(Call(*a_, "namespace_open", {1000, len, kRead, 0}), 0);
  uint32_t zero = Load32(0);
  EXPECT_EQ(Call(*a_, "device_read", {zero, 0, 2000, 16}), 16);
  // Bad pointers, lengths, rights; escapes; names the namespace lacks.
  EXPECT_EQ(Call(*a_, "namespace_open", {0xfffffff0ull, 32, kRead, 0}), Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "namespace_open", {1000, len, kRead, 0xfffffffeull}),
            Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "namespace_open", {1000, 0xffffffffull, kRead, 0}),
            Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "namespace_open", {1000, len, 1u << 30, 0}), Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "namespace_open", {1000, 0, kRead, 0}), Err(Status::kInvalidArgs));
  for (std::string_view bad : {"/dev/../dev/zero", "dev/zero", "/dev//zero", "/dev/zero/"}) {
    uint64_t n = PutPath(memory_, 3000, bad);
    EXPECT_EQ(Call(*a_, "namespace_open", {3000, n, kRead, 0}), Err(Status::kInvalidArgs)) << bad;
  }
  memory_[3004] = 0;  // "/dev\0ero"
  EXPECT_EQ(Call(*a_, "namespace_open", {3000, 9, kRead, 0}), Err(Status::kInvalidArgs));
  uint64_t missing = PutPath(memory_, 4000, "/dev/video1");
  EXPECT_EQ(Call(*a_, "namespace_open", {4000, missing, kRead, 0}), Err(Status::kNotFound));
  EXPECT_EQ(Call(*a_, "namespace_open", {1000, len, uint64_t(Rights::kManage), 0}),
            Err(Status::kAccessDenied));
  EXPECT_EQ(Load32(0), zero);  // Failed opens store nothing.
}

TEST_F(AbiTest, DeviceCallsCheckHandlesRightsAndMemory) {
  uint64_t len = PutPath(memory_, 1000, "/dev/null");
  ASSERT_EQ(Call(*a_, "namespace_open", {1000, len, uint64_t(Rights::kWrite), 0}), 0);
  uint32_t null_w = Load32(0);
  int32_t port = Call(*a_, "port_create", {});
  for (std::string_view call : {"device_read", "device_write"}) {
    EXPECT_EQ(Call(*a_, call, {0x4242, 0, 0, 0}), Err(Status::kBadHandle));
    EXPECT_EQ(Call(*a_, call, {uint64_t(port), 0, 0, 0}), Err(Status::kWrongType));
  }
  EXPECT_EQ(Call(*a_, "device_describe", {uint64_t(port), 0, 0}), Err(Status::kWrongType));
  EXPECT_EQ(Call(*a_, "device_read", {null_w, 0, 0, 8}), Err(Status::kAccessDenied));
  EXPECT_EQ(Call(*a_, "device_control", {null_w, 0, 0, 0, 0}), Err(Status::kAccessDenied));
  EXPECT_EQ(Call(*a_, "device_write", {null_w, 0, 0, 0xffffffffull}), Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "device_write", {null_w, 0, 0xfffffff0ull, 64}), Err(Status::kOutOfBounds));
  EXPECT_EQ(Call(*a_, "device_write", {null_w, 8, 0, 4}), Err(Status::kInvalidArgs));
  EXPECT_EQ(Call(*a_, "device_write", {null_w, 0, 0, 4096}), 4096);
  // describe: the full length, whatever fits in the buffer.
  EXPECT_EQ(Call(*a_, "device_describe", {null_w, 0xfffffff0ull, 64}), Err(Status::kOutOfBounds));
  memory_[2004] = 'X';
  EXPECT_EQ(Call(*a_, "device_describe", {null_w, 2000, 4}), 21);
  EXPECT_EQ(std::string(&memory_[2000], &memory_[2005]), "clasX");
  ASSERT_EQ(Call(*a_, "device_describe", {null_w, 2000, 100}), 21);
  EXPECT_EQ(std::string(&memory_[2000], &memory_[2021]), "class=null\nname=null\n");
  // A huge read cap is clipped to 64 KiB, which must still fit in memory.
  len = PutPath(memory_, 1000, "/dev/zero");
  ASSERT_EQ(Call(*a_, "namespace_open", {1000, len, uint64_t(Rights::kRead), 0}), 0);
  uint32_t zero_r = Load32(0);
  EXPECT_EQ(Call(*a_, "device_read", {zero_r, 0, 0, 0xffffffffull}), 65536);
  EXPECT_EQ(Call(*a_, "device_read", {zero_r, 0, 1, 0xffffffffull}), Err(Status::kOutOfBounds));
}

TEST_F(AbiTest, AChildGetsACopyOfItsParentsNamespace) {
  auto extra =
      ObjectProvider::Create(BasicDevice::Create(BasicDeviceKind::kZero).value(), Rights::kRead);
  ASSERT_TRUE(a_->ns().Bind("/dev/extra", extra).ok());
  ASSERT_TRUE(a_->ns().Unbind("/dev/random").ok());
  std::vector<uint8_t> module = testing::ReadModule("idle");
  std::copy(module.begin(), module.end(), memory_.begin() + 8192);
  ASSERT_EQ(Call(*a_, "channel_create", {0}), 0);
  uint32_t c0 = Load32(0), c1 = Load32(4);
  memcpy(&memory_[100], &c1, 4);
  int32_t child = Call(*a_, "process_spawn", {8192, module.size(), 0, 0, 100, 1});
  ASSERT_GT(child, 0);
  auto object = a_->handles().Get<ProcessOps>(child, Rights::kNone);
  ASSERT_TRUE(object.ok());
  std::shared_ptr<Process> process = kernel_->Find((*object)->Info()->pid);
  ASSERT_TRUE(process);
  EXPECT_TRUE(process->ns().Open("/dev/extra", Rights::kRead).ok());
  EXPECT_EQ(process->ns().Open("/dev/random", Rights::kRead).error().status, Status::kNotFound);
  // A copy: the parent's later bindings are its own.
  ASSERT_TRUE(a_->ns().Bind("/dev/late", extra).ok());
  EXPECT_EQ(process->ns().Open("/dev/late", Rights::kRead).error().status, Status::kNotFound);
  process.reset();
  ASSERT_EQ(Call(*a_, "channel_write", {c0, 300, 1, 0, 0}), 0);
  EXPECT_TRUE(testing::WaitUntil([&] {
    return Call(*a_, "process_wait", {uint64_t(child), 0, 400}) == 0;
  }));
}

}  // namespace
}  // namespace shoal::kernel::abi
