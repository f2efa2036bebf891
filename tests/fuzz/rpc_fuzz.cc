// libFuzzer target: the object protocol's serving side, fed raw bytes as a
// peer node would send them over its connection (Cap'n Proto RPC framing,
// calls, capabilities, returns).
//
// Each input is written into one end of an in-process pipe whose other end is
// a remote::Connection offering a Provider bootstrap with one object of each
// type (open "channel", "port", "timer", "console", "device", "process",
// "dir", "file", by name), then the writer shuts down. The contract under
// test: whatever the bytes, the node never crashes, never trips a sanitizer,
// and the connection ends (the peer is simply cut off); no input can make
// the serving side hang past the input's end.
//
// Seeds: with SHOAL_RPC_FUZZ_RECORD=DIR the binary instead runs scripted
// sessions through real proxies, records what each client sent into
// DIR/seed_<name>, and exits; build-and-run.sh does that before fuzzing.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "kernel/base/file_io.h"
#include "kernel/object/channel.h"
#include "kernel/object/console.h"
#include "kernel/object/device.h"
#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/port.h"
#include "kernel/object/process_ops.h"
#include "kernel/object/provider.h"
#include "kernel/object/timer.h"
#include "kernel/remote/connection.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/loop.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/provider_server.h"

namespace {

using namespace shoal;
using namespace shoal::kernel;
using namespace shoal::kernel::remote;

// Time never passes: timers stay armed until cancelled or destroyed.
class FrozenTimers final : public TimerService {
 public:
  TimerId Schedule(MonotonicNs, Callback) override { return next_++; }
  bool Cancel(TimerId) override { return true; }

 private:
  TimerId next_ = 1;
};

// A process handle's operations without a kernel: it "ends" when killed.
class FakeProcess final : public ProcessOps {
 public:
  FakeProcess() : ProcessOps(ObjectType::kProcess) {}
  Result<ProcessInfo> Info() override {
    ProcessInfo info;
    info.pid = 42;
    if (killed_) info.exit = MakeExitStatus(ExitReason::kKilled, kKilledExitCode);
    return info;
  }
  VoidResult Terminate() override { return Ok(); }
  VoidResult Kill() override {
    killed_ = true;
    return Ok();
  }

 private:
  std::atomic<bool> killed_{false};
};

// One object of each type by name; every open hands out the same objects.
class FuzzObjects final : public Provider {
 public:
  FuzzObjects() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shoal_rpc_fuzz_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) __builtin_trap();
    root_ = tmpl;
    int fd = ::open((root_ + "/f").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, "file", 4) != 4) __builtin_trap();
    ::close(fd);
    auto [a, b] = std::move(Channel::Create()).value();
    objects_["channel"] = {a, DefaultRights(ObjectType::kChannel)};
    objects_["peer"] = {b, DefaultRights(ObjectType::kChannel)};
    objects_["port"] = {std::move(Port::Create()).value(), DefaultRights(ObjectType::kPort)};
    objects_["timer"] = {std::move(Timer::Create(timers_)).value(),
                         DefaultRights(ObjectType::kTimer)};
    objects_["console"] = {std::move(Console::Create(256)).value(),
                           DefaultRights(ObjectType::kConsole)};
    objects_["device"] = {std::move(BasicDevice::Create(BasicDeviceKind::kZero)).value(),
                          Rights::kAll};
    objects_["process"] = {std::make_shared<FakeProcess>(), Rights::kAll};
    Rights all =
        Rights::kRead | Rights::kWrite | Rights::kDuplicate | Rights::kTransfer | Rights::kWait;
    Ref<Directory> dir = std::move(Directory::OpenRoot(root_, InlineFileIo::Shared())).value();
    OpenOptions rw;
    rw.read = rw.write = true;
    objects_["file"] = std::move(dir->Open("f", rw, all, all)).value();
    objects_["dir"] = {dir, all};
  }
  ~FuzzObjects() override {
    objects_.clear();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  void OpenAsync(std::string_view relative, Rights requested, OpenDone done) override {
    auto it = objects_.find(std::string(relative));
    if (it == objects_.end()) return done(MakeError(Status::kNotFound, "no such object"));
    HandleEntry entry = it->second;
    entry.rights = entry.rights & requested;
    done(std::move(entry));
  }

 private:
  FrozenTimers timers_;
  std::string root_;
  std::map<std::string, HandleEntry> objects_;
};

struct Harness {
  std::shared_ptr<Loop> loop = Loop::Start("fuzz");
  std::shared_ptr<FuzzObjects> objects = std::make_shared<FuzzObjects>();
};

Harness& TheHarness() {
  static Harness* harness = new Harness();  // Lives for the whole run.
  return *harness;
}

Connection::Bootstrap Offer(std::shared_ptr<Provider> objects) {
  return [objects](const std::shared_ptr<Link>& link) {
    return capnp::Capability::Client(ExportProvider(link, objects));
  };
}

// Records what the client side writes, passing everything through.
class TeeStream final : public kj::AsyncIoStream {
 public:
  TeeStream(kj::Own<kj::AsyncIoStream> inner, std::shared_ptr<std::vector<uint8_t>> sent)
      : inner_(kj::mv(inner)), sent_(std::move(sent)) {}
  kj::Promise<size_t> tryRead(void* buffer, size_t min, size_t max) override {
    return inner_->tryRead(buffer, min, max);
  }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    auto p = static_cast<const uint8_t*>(buffer);
    sent_->insert(sent_->end(), p, p + size);
    return inner_->write(buffer, size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    for (auto piece : pieces) sent_->insert(sent_->end(), piece.begin(), piece.end());
    return inner_->write(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner_->whenWriteDisconnected(); }
  void shutdownWrite() override { inner_->shutdownWrite(); }
  void abortRead() override { inner_->abortRead(); }

 private:
  kj::Own<kj::AsyncIoStream> inner_;
  std::shared_ptr<std::vector<uint8_t>> sent_;
};

// Runs `script` against real proxies of the fuzz objects and writes what the
// client sent to `path`.
void Record(
    const std::string& path,
    const std::function<void(const std::function<Ref<KernelObject>(const char*)>&)>& script) {
  Harness& h = TheHarness();
  auto sent = std::make_shared<std::vector<uint8_t>>();
  Connection* server = nullptr;
  Connection* client = nullptr;
  h.loop->RunVoid([&] {
    kj::TwoWayPipe pipe = kj::newTwoWayPipe();
    server = new Connection(h.loop, kj::mv(pipe.ends[0]), Connection::Side::kServer,
                            Offer(h.objects), "fuzz");
    client = new Connection(h.loop, kj::heap<TeeStream>(kj::mv(pipe.ends[1]), sent),
                            Connection::Side::kClient, Offer(nullptr), "node");
  });
  auto open = [&](const char* name) -> Ref<KernelObject> {
    auto entry = h.loop->RunAsync<Result<HandleEntry>>([&] {
      auto request = client->PeerBootstrap<proto::rpc::Provider>().openRequest();
      request.setPath(name);
      request.setRights(uint32_t(Rights::kAll));
      std::shared_ptr<Link> link = client->link();
      return request.send().then([link](auto&& r) -> kj::Promise<Result<HandleEntry>> {
        VoidResult opened = ReadOutcome(r.getOutcome());
        if (!opened.ok()) return Result<HandleEntry>(opened.error());
        return ImportHandle(link, r.getHandle());
      });
    });
    return entry.ok() ? entry->object : nullptr;
  };
  script(open);
  h.loop->RunVoid([&] {
    delete client;
    delete server;
  });
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(sent->data()), std::streamsize(sent->size()));
}

void RecordSeeds(const std::string& dir) {
  auto bytes = [](std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  Record(dir + "/seed_channel", [&](auto open) {
    auto channel = std::static_pointer_cast<ChannelOps>(open("channel"));
    auto port = open("port");
    if (channel == nullptr) return;
    (void)channel->Write(bytes("hello"), {});
    if (port != nullptr) (void)channel->Write(bytes("with a port"), {{port, Rights::kAll}});
    (void)channel->Read(ReadLimits{});
  });
  Record(dir + "/seed_timer_port", [&](auto open) {
    if (auto timer = std::static_pointer_cast<TimerOps>(open("timer"))) {
      (void)timer->Set(MonotonicNow() + 1000000);
      (void)timer->Cancel();
    }
    if (auto port = std::static_pointer_cast<PortOps>(open("port"))) {
      Packet packet;
      packet.key = 7;
      (void)port->Queue(packet);
      (void)port->Wait();
    }
  });
  Record(dir + "/seed_files", [&](auto open) {
    if (auto dir_ops = std::static_pointer_cast<DirectoryOps>(open("dir"))) {
      OpenOptions ro;
      ro.read = true;
      (void)dir_ops->Open("f", ro, Rights::kRead, Rights::kAll);
      (void)dir_ops->StatAt("f", true);
      (void)dir_ops->ReadDir();
    }
    if (auto file = std::static_pointer_cast<FileOps>(open("file"))) {
      (void)file->Read(0, 4);
    }
  });
  Record(dir + "/seed_process_console_device", [&](auto open) {
    if (auto process = std::static_pointer_cast<ProcessOps>(open("process"))) {
      (void)process->Info();
      (void)process->Kill();
    }
    if (auto console = std::static_pointer_cast<ConsoleOps>(open("console"))) {
      (void)console->Write(bytes("log line\n"));
    }
    if (auto device = std::static_pointer_cast<DeviceOps>(open("device"))) {
      (void)device->Describe();
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = getenv("SHOAL_RPC_FUZZ_RECORD")) {
    RecordSeeds(dir);
    std::exit(0);
  }
  return 0;
}

// The fuzzer's side of one connection: the input it sends, and the two
// halves of its conversation (written first, cancelled before the stream).
struct Peer {
  kj::Own<kj::AsyncIoStream> stream;
  kj::Array<kj::byte> input;
  kj::Maybe<kj::Promise<void>> sending;
  kj::Maybe<kj::Promise<void>> draining;
  ~Peer() {
    sending = nullptr;
    draining = nullptr;
  }
};

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = TheHarness();
  Result<bool> ended = h.loop->RunAsync<Result<bool>>([&]() -> kj::Promise<Result<bool>> {
    kj::TwoWayPipe pipe = kj::newTwoWayPipe();
    auto server = kj::heap<Connection>(h.loop, kj::mv(pipe.ends[0]), Connection::Side::kServer,
                                       Offer(h.objects), "fuzzer");
    auto peer = kj::heap<Peer>();
    peer->stream = kj::mv(pipe.ends[1]);
    peer->input = kj::heapArray<kj::byte>(kj::arrayPtr(data, size));
    kj::AsyncIoStream* stream = peer->stream.get();
    // The input is all the peer ever says; then it hangs up. It reads what
    // the server answers (an in-memory pipe has no buffer) until the end.
    peer->sending = stream->write(peer->input.begin(), peer->input.size())
                        .then([stream] { stream->shutdownWrite(); }, [](kj::Exception&&) {})
                        .eagerlyEvaluate(nullptr);
    peer->draining = stream->readAllBytes()
                         .ignoreResult()
                         .catch_([](kj::Exception&&) {})
                         .eagerlyEvaluate(nullptr);
    // A server that stops reading (it found the input malformed) disconnects
    // too: either way the connection ends.
    return server->OnDisconnect().then(
        [server = kj::mv(server), peer = kj::mv(peer)]() mutable -> Result<bool> { return true; });
  });
  if (!ended.ok()) __builtin_trap();
  return 0;
}
