// libFuzzer target: sequences of `shoal` host calls with arbitrary arguments,
// made by a process parked in a real kernel, on 64 KiB of plain memory
// standing in for its linear memory. Every call must return a value or an
// error code; a crash or sanitizer report is a bug. process_spawn is left
// out (fuzzed bytes that happen to be a valid spinning module would pile up
// as running processes); its argument checks are covered by proc_test.
//
// Input: records of 1 byte (call index) + 7 x 8 bytes of arguments; the
// first 4 KiB of input also seed the memory. The process holds the handles
// its stdio descriptors view (stdin device, two consoles: 0x10001..0x10003),
// its startup channel (0x10004) and, opened through its namespace,
// /dev/null, /dev/zero and /dev/random (0x10005..0x10007), and a session of
// a synthetic camera opened through its provider (0x10008), and a session of a
// synthetic tone source (0x10009), so device, camera, audio and fd <-> handle
// calls reach real objects without the fuzzer first having to spell a path in
// memory.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "kernel/abi/abi.h"
#include "kernel/abi/link.h"
#include "kernel/object/channel.h"
#include "kernel/proc/kernel.h"
#include "rdev/synthetic_audio.h"
#include "rdev/synthetic_camera.h"

namespace {

using namespace shoal::kernel;

// The module of kernel/proc/testdata/idle.wat, assembled for proc_test:
// parks in channel_read(startup_handle(0), SHOAL_WAIT, ...).
std::vector<uint8_t> IdleModule() {
  std::ifstream in(SHOAL_PROC_TESTDATA_DIR "/idle.wasm", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (bytes.empty()) {
    std::fprintf(stderr, "abi_fuzz: cannot read %s/idle.wasm\n", SHOAL_PROC_TESTDATA_DIR);
    std::abort();
  }
  return bytes;
}

struct Fixture {
  std::unique_ptr<Kernel> kernel;
  Ref<Channel> peer;
  std::shared_ptr<Process> process;
  std::shared_ptr<shoal::rdev::LocalCamera> camera = shoal::rdev::CreateSyntheticCamera();
  std::shared_ptr<shoal::rdev::LocalAudioDevice> tone = shoal::rdev::CreateToneSource();
};

Fixture& Get() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    KernelOptions options;
    options.link_imports = abi::LinkProcessImports;
    options.workers = 1;
    f->kernel = std::move(Kernel::Create(options).value());
    auto [mine, theirs] = Channel::Create().value();
    f->peer = mine;
    SpawnRequest request;
    request.module_bytes = IdleModule();
    request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
    uint64_t pid = f->kernel->Spawn(std::move(request)).value().pid;
    f->process = f->kernel->Find(pid);
    for (const char* path : {"/dev/null", "/dev/zero", "/dev/random"}) {
      HandleEntry entry = f->process->ns().Open(path, Rights::kAll & ~Rights::kManage).value();
      (void)f->process->handles().Add(std::move(entry.object), entry.rights).value();
    }
    HandleEntry camera =
        f->camera->provider()->Open("", DefaultRights(ObjectType::kCamera)).value();
    (void)f->process->handles().Add(std::move(camera.object), camera.rights).value();
    HandleEntry tone = f->tone->provider()->Open("", DefaultRights(ObjectType::kAudio)).value();
    (void)f->process->handles().Add(std::move(tone.object), tone.rights).value();
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = Get();
  std::vector<uint8_t> memory(65536);
  std::memcpy(memory.data(), data, std::min<size_t>(size, 4096));
  std::span<const abi::AbiFunctionSpec> calls = abi::AbiFunctions();
  constexpr size_t kRecord = 1 + 7 * 8;
  for (size_t at = 0; at + kRecord <= size; at += kRecord) {
    const abi::AbiFunctionSpec& spec = calls[data[at] % calls.size()];
    if (spec.name == "process_spawn") continue;
    std::vector<shoal::vm::Value> args;
    for (size_t i = 0; i < spec.params.size(); ++i) {
      uint64_t v;
      std::memcpy(&v, data + at + 1 + 8 * i, 8);
      // Small handle-like and address-like values are the interesting ones.
      if (spec.params[i] == 'i' && (v >> 63) == 0) v &= 0x1ffff;
      args.push_back(spec.params[i] == 'I' ? shoal::vm::Value::I64(v)
                                           : shoal::vm::Value::I32(uint32_t(v)));
    }
    // Waiting calls would park the fixture's process; the fuzzer only
    // checks that they return.
    abi::AbiCall call(*f.process, shoal::wasi::GuestMemory(std::span<uint8_t>(memory)), args);
    (void)abi::Dispatch(spec, call);
  }
  return 0;
}
