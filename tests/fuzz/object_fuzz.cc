// libFuzzer target: the object protocol's server side (ObjectServer::Handle).
//
// The input is a sequence of requests, each a 2-byte little-endian length and
// that many bytes, sent in order to one server exporting a fresh object of
// each type (export ids 1..10, see below), so that sequences of valid
// operations are explored as well as malformed bytes. The contract under test:
// every request yields a decodable Response whose status is a known Status,
// never a crash, an abort, a sanitizer report or an unbounded allocation.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "kernel/object/channel.h"
#include "kernel/object/console.h"
#include "kernel/object/device.h"
#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/loopback.h"
#include "kernel/object/port.h"
#include "kernel/object/process_ops.h"
#include "kernel/object/timer.h"
#include "kernel/object/wire.h"

namespace {

using namespace shoal;
using namespace shoal::kernel;

// Time never passes: timers stay armed until cancelled or destroyed.
class FrozenTimers final : public TimerService {
 public:
  TimerId Schedule(MonotonicNs, Callback) override { return next_++; }
  bool Cancel(TimerId) override { return true; }

 private:
  TimerId next_ = 1;
};

// A fresh directory with one file "f" for each input, removed after it.
class FuzzRoot {
 public:
  FuzzRoot() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shoal_fuzz_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) __builtin_trap();
    path_ = tmpl;
    int fd = ::open((path_ + "/f").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, "file", 4) != 4) __builtin_trap();
    ::close(fd);
  }
  ~FuzzRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A process handle's operations without a kernel: it "ends" when killed.
class FakeProcess final : public ProcessOps {
 public:
  FakeProcess() : ProcessOps(ObjectType::kProcess) {}
  Result<ProcessInfo> Info() override {
    ProcessInfo info{42, std::nullopt};
    if (killed_) info.exit = MakeExitStatus(ExitReason::kKilled, kKilledExitCode);
    return info;
  }
  VoidResult Terminate() override { return Ok(); }
  VoidResult Kill() override {
    killed_ = true;
    return Ok();
  }

 private:
  bool killed_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FrozenTimers timers;
  FuzzRoot root;
  {
    LoopbackConnection connection;
    ObjectServer& server = connection.server();
    auto [a, b] = std::move(Channel::Create()).value();
    // Export ids: 1 and 2 the channel's ends, 3 a port, 4 a timer, 5 a
    // console, 6 a device (/dev/zero), 7 the first end again with only read
    // rights, 8 a process, 9 a directory (a fresh root) and 10 the file "f" in it.
    (void)server.Export(a, DefaultRights(ObjectType::kChannel));
    (void)server.Export(b, DefaultRights(ObjectType::kChannel));
    (void)server.Export(std::move(Port::Create()).value(), DefaultRights(ObjectType::kPort));
    (void)server.Export(std::move(Timer::Create(timers)).value(),
                        DefaultRights(ObjectType::kTimer));
    (void)server.Export(std::move(Console::Create(256)).value(),
                        DefaultRights(ObjectType::kConsole));
    (void)server.Export(std::move(BasicDevice::Create(BasicDeviceKind::kZero)).value(),
                        Rights::kAll);
    (void)server.Export(a, Rights::kRead);
    (void)server.Export(std::make_shared<FakeProcess>(), Rights::kAll);
    Rights all = Rights::kRead | Rights::kWrite | Rights::kDuplicate | Rights::kTransfer;
    Ref<Directory> dir = std::move(Directory::OpenRoot(root.path(), InlineFileIo::Shared())).value();
    OpenOptions rw;
    rw.read = rw.write = true;
    HandleEntry file = std::move(dir->Open("f", rw, all, all)).value();
    (void)server.Export(dir, all);
    (void)server.Export(file.object, file.rights);
    a.reset();
    b.reset();

    size_t at = 0;
    for (int requests = 0; requests < 64 && at + 2 <= size; ++requests) {
      size_t length = size_t(data[at]) | size_t(data[at + 1]) << 8;
      at += 2;
      length = std::min(length, size - at);
      std::vector<uint8_t> response = server.Handle(std::span<const uint8_t>(data + at, length));
      at += length;
      auto status = wire::ReadMessage<proto::ObjectResponse>(
          response,
          [](proto::ObjectResponse::Reader r) -> Result<uint8_t> { return r.getStatus(); });
      if (!status.ok() || *status > uint8_t(Status::kInternal)) __builtin_trap();
    }
  }
  return 0;
}
