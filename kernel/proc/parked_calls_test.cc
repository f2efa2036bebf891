// Host calls on objects that answer later (as a directory, device or
// provider on another node will) park the process, never its worker: on a
// kernel with a single worker another process runs to its end meanwhile,
// and the parked call, retried when the answer is in, gets the right result.
// A retried call with other arguments abandons the earlier operation safely.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernel/abi/abi.h"
#include "kernel/base/temp_dir.h"
#include "kernel/object/directory.h"
#include "kernel/object/object_test_support.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/wasi/host_calls.h"
#include "kernel/wasi/host_directory.h"
#include "rdev/synthetic_camera.h"

namespace shoal::kernel {
namespace {

using namespace testing;  // The kernel test helpers (proc_test_support.h).

// Holds operations until Open(), then runs them on a thread of its own (not
// a worker), as a connection's thread delivers a remote object's answers.
class Gate {
 public:
  void Hold(std::function<void()> op) {
    {
      std::lock_guard lock(mu_);
      if (!open_) {
        held_.push_back(std::move(op));
        return;
      }
    }
    op();
  }
  size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  // Answers what is held, from another thread; later operations are held
  // again unless `stay_open`.
  void Release(bool stay_open = true) {
    std::vector<std::function<void()>> ops;
    {
      std::lock_guard lock(mu_);
      open_ = stay_open;
      ops.swap(held_);
    }
    std::thread([&] {
      for (auto& op : ops) op();
    }).join();
  }

 private:
  std::mutex mu_;
  bool open_ = false;
  std::vector<std::function<void()>> held_;
};

// A local Directory whose every answer waits at a gate.
class GatedDirectory final : public DirectoryOps {
 public:
  GatedDirectory(Ref<Directory> inner, std::shared_ptr<Gate> gate)
      : DirectoryOps(ObjectType::kDirectory), inner_(std::move(inner)), gate_(std::move(gate)) {}

  void OpenAsync(std::string_view path, const OpenOptions& options, Rights rights, Rights granted,
                 OpenDone done) override {
    gate_->Hold([=, inner = inner_, path = std::string(path)] {
      done(inner->Open(path, options, rights, granted));
    });
  }
  void StatAsync(StatDone done) override {
    gate_->Hold([=, inner = inner_] { done(inner->Stat()); });
  }
  void StatAtAsync(std::string_view path, bool follow, StatDone done) override {
    gate_->Hold(
        [=, inner = inner_, path = std::string(path)] { done(inner->StatAt(path, follow)); });
  }
  void ReadDirAsync(ReadDirDone done) override {
    gate_->Hold([=, inner = inner_] { done(inner->ReadDir()); });
  }
  void MakeDirectoryAsync(std::string_view path, ChangeDone done) override {
    gate_->Hold(
        [=, inner = inner_, path = std::string(path)] { done(inner->MakeDirectory(path)); });
  }
  void UnlinkAsync(std::string_view path, bool directory, ChangeDone done) override {
    gate_->Hold(
        [=, inner = inner_, path = std::string(path)] { done(inner->Unlink(path, directory)); });
  }
  void RenameAsync(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                   ChangeDone done) override {
    HoldPair(old_path, new_dir, new_path, std::move(done), &DirectoryOps::Rename);
  }
  void HardLinkAsync(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                     ChangeDone done) override {
    HoldPair(old_path, new_dir, new_path, std::move(done), &DirectoryOps::HardLink);
  }
  void SymlinkAsync(std::string_view target, std::string_view path, ChangeDone done) override {
    gate_->Hold([=, inner = inner_, target = std::string(target), path = std::string(path)] {
      done(inner->Symlink(target, path));
    });
  }
  void ReadLinkAsync(std::string_view path, ReadLinkDone done) override {
    gate_->Hold([=, inner = inner_, path = std::string(path)] { done(inner->ReadLink(path)); });
  }

 private:
  // A call naming a path here and one beneath another gated directory.
  using PairCall = ErrnoResult<Done> (DirectoryOps::*)(std::string_view, DirectoryOps&,
                                                       std::string_view);
  void HoldPair(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                ChangeDone done, PairCall call) {
    auto* target = dynamic_cast<GatedDirectory*>(&new_dir);
    if (target == nullptr) return done(HostError{EXDEV});
    gate_->Hold(
        [=, inner = inner_, to = target->inner_, from_path = std::string(old_path),
         to_path = std::string(new_path)] { done(((*inner).*call)(from_path, *to, to_path)); });
  }

  const Ref<Directory> inner_;
  const std::shared_ptr<Gate> gate_;
};

// A device whose reads wait at a gate and then give the first `max_bytes`
// of `payload`.
class GatedDevice final : public DeviceOps {
 public:
  GatedDevice(std::string payload, std::shared_ptr<Gate> gate)
      : DeviceOps(ObjectType::kDevice, Signals::kReadable | Signals::kWritable),
        payload_(std::move(payload)),
        gate_(std::move(gate)) {}

  void DescribeAsync(DescribeDone done) override {
    gate_->Hold([done] { done(DeviceInfo{"gated", "gate0", {}}); });
  }
  void ReadAsync(size_t max_bytes, ReadDone done) override {
    std::string bytes = payload_.substr(0, max_bytes);
    gate_->Hold([done, bytes] { done(std::vector<uint8_t>(bytes.begin(), bytes.end())); });
  }
  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override {
    gate_->Hold([done, n = bytes.size()] { done(n); });
  }
  void ControlAsync(std::span<const uint8_t>, ControlDone done) override {
    done(MakeError(Status::kNotSupported, "no controls"));
  }

 private:
  const std::string payload_;
  const std::shared_ptr<Gate> gate_;
};

// A provider whose opens wait at a gate, then hand out `object`.
class GatedProvider final : public Provider {
 public:
  GatedProvider(Ref<KernelObject> object, std::shared_ptr<Gate> gate)
      : object_(std::move(object)), gate_(std::move(gate)) {}
  void OpenAsync(std::string_view relative, Rights requested, OpenDone done) override {
    gate_->Hold([=, object = object_] { done(HandleEntry{object, requested}); });
  }

 private:
  const Ref<KernelObject> object_;
  const std::shared_ptr<Gate> gate_;
};

// A session of a real synthetic camera whose every answer waits at a gate,
// as a camera on another node answers; its signals are the session's, as a
// proxy mirrors them.
class GatedCamera final : public rdev::CameraOps {
 public:
  GatedCamera(Ref<rdev::CameraOps> inner, std::shared_ptr<Gate> gate)
      : CameraOps(kType), inner_(std::move(inner)), gate_(std::move(gate)) {}

  void InfoAsync(InfoDone done) override {
    gate_->Hold([=, inner = inner_] { done(inner->Info()); });
  }
  void ConfigureAsync(const rdev::CameraMode& mode, Done done) override {
    gate_->Hold([=, inner = inner_] { done(inner->Configure(mode)); });
  }
  void StartAsync(Done done) override {
    gate_->Hold([=, inner = inner_] { done(inner->Start()); });
  }
  void StopAsync(Done done) override {
    gate_->Hold([=, inner = inner_] { done(inner->Stop()); });
  }
  void ReadFrameAsync(size_t max_bytes, FrameDone done) override {
    gate_->Hold([=, inner = inner_] { done(inner->ReadFrame(max_bytes)); });
  }
  std::optional<uint64_t> LastRead() override { return inner_->LastRead(); }
  void ResumeAfter(uint64_t sequence) override { inner_->ResumeAfter(sequence); }
  Signals signals() const override { return inner_->signals(); }
  Result<ObserverToken> ObserveAsync(Signals mask, ObserverCallback callback) override {
    return inner_->ObserveAsync(mask, std::move(callback));
  }
  bool CancelObserver(ObserverToken token) override { return inner_->CancelObserver(token); }

 private:
  const Ref<rdev::CameraOps> inner_;
  const std::shared_ptr<Gate> gate_;
};

constexpr Rights kDirRights =
    Rights::kRead | Rights::kDuplicate | Rights::kTransfer | Rights::kWait;

class ParkedCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.Join("input")) << text_;
    kernel_ = OneWorkerKernel();
    // Files opened beneath read inline, so only the directory waits.
    root_ = std::move(Directory::OpenRoot(dir_.path(), InlineFileIo::Shared())).value();
  }

  // While `pid` waits at the gate, the only worker runs another process to
  // its end.
  void ExpectTheWorkerRunsOthers(uint64_t pid) {
    Result<SpawnResult> other = kernel_->Spawn(RequestFor("exit42"));
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(WaitCode(*kernel_, other->pid), 42);
    EXPECT_NE(kernel_->Find(pid), nullptr);
  }

  shoal::testing::TempDir dir_;
  std::string text_ = "read through a directory that answers later\n";
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<Kernel> kernel_;
  Ref<Directory> root_;
};

TEST_F(ParkedCallsTest, APathOpenParksUntilTheDirectoryAnswers) {
  SpawnRequest request = RequestFor("dir_from_handle");  // path_open, fd_read, fd_write.
  request.handles.push_back({std::make_shared<GatedDirectory>(root_, gate_), kDirRights});
  Spawned spawned = SpawnWithOutput(*kernel_, std::move(request));
  ASSERT_NE(spawned.out, nullptr);

  ASSERT_TRUE(WaitUntil([&] { return gate_->held() == 1; }));  // The open.
  ExpectTheWorkerRunsOthers(spawned.pid);
  EXPECT_EQ(TextOf(spawned.out), "");

  gate_->Release();
  EXPECT_EQ(WaitCode(*kernel_, spawned.pid), 0);  // Else the step of the .wat that failed.
  EXPECT_EQ(TextOf(spawned.out), text_);
}

TEST_F(ParkedCallsTest, APathStatParksAndGetsTheRightAnswer) {
  SpawnRequest request = RequestFor("stat_from_handle");  // Exits with the size of "input".
  request.handles.push_back({std::make_shared<GatedDirectory>(root_, gate_), kDirRights});
  Spawned spawned = SpawnWithOutput(*kernel_, std::move(request));
  ASSERT_NE(spawned.out, nullptr);

  ASSERT_TRUE(WaitUntil([&] { return gate_->held() == 1; }));  // The stat.
  ExpectTheWorkerRunsOthers(spawned.pid);

  gate_->Release();
  EXPECT_EQ(WaitCode(*kernel_, spawned.pid), int(text_.size()));
}

TEST_F(ParkedCallsTest, ADeviceReadParksUntilTheDeviceAnswers) {
  auto ns = kernel_->root_namespace().Clone();
  ASSERT_TRUE(ns->Bind("/dev/q", ObjectProvider::Create(
                                     std::make_shared<GatedDevice>("hello", gate_), Rights::kAll))
                  .ok());
  SpawnRequest request = RequestFor("device_reader");  // Exits with the bytes read.
  request.ns = std::move(ns);
  Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());

  ASSERT_TRUE(WaitUntil([&] { return gate_->held() == 1; }));  // The read.
  ExpectTheWorkerRunsOthers(spawned->pid);

  gate_->Release();
  EXPECT_EQ(WaitCode(*kernel_, spawned->pid), 5);
}

TEST_F(ParkedCallsTest, ANamespaceOpenParksUntilTheProviderAnswers) {
  Ref<testing::QueueDevice> device = testing::QueueDevice::Create();
  device->Feed("abc");
  auto ns = kernel_->root_namespace().Clone();
  ASSERT_TRUE(ns->Bind("/dev/q", std::make_shared<GatedProvider>(device, gate_)).ok());
  SpawnRequest request = RequestFor("device_reader");  // namespace_open, then device_read.
  request.ns = std::move(ns);
  Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok());

  ASSERT_TRUE(WaitUntil([&] { return gate_->held() == 1; }));  // The open.
  ExpectTheWorkerRunsOthers(spawned->pid);

  gate_->Release();
  EXPECT_EQ(WaitCode(*kernel_, spawned->pid), 3);
}

TEST_F(ParkedCallsTest, CameraCallsParkUntilTheCameraAnswers) {
  auto camera = rdev::CreateSyntheticCamera();
  auto gated = std::make_shared<GatedCamera>(camera->OpenSession().value(), gate_);
  auto ns = kernel_->root_namespace().Clone();
  ASSERT_TRUE(ns->Bind("/dev/video0", ObjectProvider::Create(gated, Rights::kAll)).ok());
  SpawnRequest request;
  request.module_path = std::string(SHOAL_APPS_DIR) + "/camstat.wasm";
  request.args = {"camstat", "/dev/video0", "10", "yuyv 320x240 30/1"};
  request.ns = std::move(ns);
  Spawned spawned = SpawnWithOutput(*kernel_, std::move(request));
  ASSERT_NE(spawned.out, nullptr);

  ASSERT_TRUE(WaitUntil([&] { return gate_->held() == 1; }));  // camera_configure.
  ExpectTheWorkerRunsOthers(spawned.pid);
  // Every later call waits at the gate too: a thread of its own answers
  // them one batch at a time while camstat runs.
  std::atomic<bool> done = false;
  std::thread answers([&] {
    for (int i = 0; i < 100'000 && !done; ++i) {
      if (gate_->held() > 0) {
        gate_->Release(/*stay_open=*/false);
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  });
  int code = WaitCode(*kernel_, spawned.pid);
  done = true;
  answers.join();
  std::string out = TextOf(spawned.out);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("camstat: summary frames=10 lost=0 bad_stamps=0 "), std::string::npos) << out;
}

// The calls below run on the test thread against a process parked forever
// in channel_read (idle.wat), as abi_test.cc does; only its PendingCall and
// tables are touched.
class RetriedCallsTest : public ParkedCallsTest {
 protected:
  void SetUp() override {
    ParkedCallsTest::SetUp();
    auto [mine, theirs] = Channel::Create().value();
    peer_ = mine;
    SpawnRequest request = RequestFor("idle");
    request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
    Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
    ASSERT_TRUE(spawned.ok());
    process_ = kernel_->Find(spawned->pid);
    ASSERT_TRUE(WaitUntil([&] { return process_->state() == TaskState::kParked; }));
  }
  void TearDown() override {
    gate_->Release();  // Whatever is still held completes, into abandoned records.
    peer_.reset();     // idle.wat ends when its channel's peer goes.
  }

  // A shoal call as the process; `parked` tells whether it parked.
  int32_t Shoal(std::string_view name, const std::vector<uint64_t>& args, bool& parked) {
    const abi::AbiFunctionSpec* spec = abi::FindAbiFunction(name);
    std::vector<vm::Value> values = Values(spec->params, args);
    abi::AbiCall call(*process_, wasi::GuestMemory(std::span<uint8_t>(memory_)), values);
    int32_t r = abi::Dispatch(*spec, call);
    parked = call.action == vm::HostAction::kYield;
    return r;
  }
  // A WASI call as the process.
  wasi::Errno Wasi(std::string_view name, const std::vector<uint64_t>& args, bool& parked) {
    const wasi::WasiFunctionSpec* spec = wasi::FindWasiFunction(name);
    std::vector<vm::Value> values = Values(spec->params, args);
    wasi::WasiCall call(process_->wasi(), wasi::GuestMemory(std::span<uint8_t>(memory_)), values);
    wasi::Errno e = spec->handler(call);
    parked = call.action == vm::HostAction::kYield;
    return e;
  }
  // `args` as the values of parameters typed by `params` ('i' i32, 'I' i64).
  static std::vector<vm::Value> Values(std::string_view params, const std::vector<uint64_t>& args) {
    std::vector<vm::Value> values;
    for (size_t i = 0; i < args.size(); ++i) {
      values.push_back(params[i] == 'I' ? vm::Value::I64(args[i])
                                        : vm::Value::I32(uint32_t(args[i])));
    }
    return values;
  }
  void Put(uint32_t addr, std::string_view text) {
    std::copy(text.begin(), text.end(), memory_.begin() + addr);
  }

  Ref<Channel> peer_;
  std::shared_ptr<Process> process_;
  std::vector<uint8_t> memory_ = std::vector<uint8_t>(65536);
};

TEST_F(RetriedCallsTest, ADeviceReadWithOtherArgumentsAbandonsTheEarlierRead) {
  HandleValue h = process_->handles()
                      .Add(std::make_shared<GatedDevice>("0123456789", gate_), Rights::kRead)
                      .value();
  bool parked = false;
  Shoal("device_read", {h, 0, 1024, 8}, parked);
  ASSERT_TRUE(parked);
  Shoal("device_read", {h, 0, 1024, 8}, parked);  // The same call: still in flight.
  ASSERT_TRUE(parked);
  EXPECT_EQ(gate_->held(), 1u);

  Shoal("device_read", {h, 0, 2048, 4}, parked);  // Another: the first is abandoned.
  ASSERT_TRUE(parked);
  EXPECT_EQ(gate_->held(), 2u);
  gate_->Release(/*stay_open=*/false);  // Both answer; only the second is collected.

  EXPECT_EQ(Shoal("device_read", {h, 0, 2048, 4}, parked), 4);
  EXPECT_FALSE(parked);
  EXPECT_EQ(std::string(memory_.begin() + 2048, memory_.begin() + 2052), "0123");
  EXPECT_FALSE(process_->pending_call().live());
  // The abandoned read is not there to collect: the first call starts anew.
  Shoal("device_read", {h, 0, 1024, 8}, parked);
  EXPECT_TRUE(parked);
  EXPECT_EQ(gate_->held(), 1u);
}

TEST_F(RetriedCallsTest, AWasiCallOnAnotherPathAbandonsTheEarlierOne) {
  std::ofstream(dir_.Join("other")) << "xy";
  wasi::Descriptor d;
  d.object = wasi::HostDirectory::Adopt(std::make_shared<GatedDirectory>(root_, gate_), true);
  d.rights_base = wasi::kDirectoryRights;
  d.rights_inheriting = wasi::kDirectoryRights | wasi::kFileRights;
  uint64_t fd = process_->wasi().fds().Insert(std::move(d)).value();
  Put(100, "input");
  Put(200, "other");
  bool parked = false;
  // path_open("input") for reading, then stats of "input" and "other": each
  // call with other arguments abandons the one before it.
  Wasi("path_open", {fd, 1, 100, 5, 0, wasi::kRightFdRead, 0, 0, 512}, parked);
  ASSERT_TRUE(parked);
  Wasi("path_filestat_get", {fd, 1, 100, 5, 1024}, parked);
  ASSERT_TRUE(parked);
  Wasi("path_filestat_get", {fd, 1, 200, 5, 1024}, parked);
  ASSERT_TRUE(parked);
  EXPECT_EQ(gate_->held(), 3u);
  size_t descriptors = process_->wasi().fds().size();
  gate_->Release(/*stay_open=*/false);  // All answer; the abandoned open's file is dropped.

  EXPECT_EQ(Wasi("path_filestat_get", {fd, 1, 200, 5, 1024}, parked), wasi::Errno::kSuccess);
  EXPECT_FALSE(parked);
  EXPECT_EQ(wasi::GetLe64(&memory_[1024 + 32]), 2u);      // The size of "other".
  EXPECT_EQ(process_->wasi().fds().size(), descriptors);  // The open left no descriptor.
  EXPECT_FALSE(process_->pending_call().live());
}

}  // namespace
}  // namespace shoal::kernel
