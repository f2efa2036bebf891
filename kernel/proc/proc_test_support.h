// Helpers for the kernel/proc and kernel/abi tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernel/abi/link.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/process.h"

namespace shoal::kernel::testing {

inline std::string TestModulePath(const std::string& name) {
  return std::string(SHOAL_PROC_TESTDATA_DIR) + "/" + name + ".wasm";
}

inline std::vector<uint8_t> ReadModule(const std::string& name) {
  std::ifstream file(TestModulePath(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

inline SpawnRequest RequestFor(const std::string& name) {
  SpawnRequest request;
  request.module_bytes = ReadModule(name);
  request.args = {name};
  return request;
}

#ifdef SHOAL_APPS_DIR
// Runs the app `name` (built into SHOAL_APPS_DIR) with `args` after its name.
inline SpawnRequest AppRequest(const std::string& name, std::vector<std::string> args) {
  SpawnRequest request;
  request.module_path = std::string(SHOAL_APPS_DIR) + "/" + name + ".wasm";
  request.args = std::move(args);
  request.args.insert(request.args.begin(), name);
  return request;
}
#endif

// Polls `done` every millisecond for at most `limit`; true when it held.
template <typename F>
bool WaitUntil(F done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

inline constexpr std::chrono::seconds kWaitLimit{30};

// A kernel with default options whose processes import WASI and the shoal
// ABI.
inline std::unique_ptr<Kernel> AbiKernel() {
  KernelOptions options;
  options.link_imports = abi::LinkProcessImports;
  return std::move(Kernel::Create(options).value());
}

// A kernel with one worker, so a process that blocked the worker instead of
// parking would stall every other process; a small quantum interleaves them.
inline std::unique_ptr<Kernel> OneWorkerKernel(KernelOptions options = {}) {
  options.link_imports = abi::LinkProcessImports;
  options.workers = 1;
  options.fuel_quantum = 10'000;
  return std::move(Kernel::Create(options).value());
}

// The exit code of `pid` once it has ended; -1 if waiting failed.
inline int WaitCode(Kernel& kernel, uint64_t pid) {
  Result<ExitStatus> status = kernel.Wait(pid, kWaitLimit);
  return status.ok() ? status->code : -1;
}

// A spawned process and its console log (null if the spawn failed).
struct Spawned {
  uint64_t pid = 0;
  std::shared_ptr<ConsoleLog> out;
};
inline Spawned SpawnWithOutput(Kernel& kernel, SpawnRequest request) {
  Result<SpawnResult> spawned = kernel.Spawn(std::move(request));
  if (!spawned.ok()) {
    ADD_FAILURE() << spawned.error().message;
    return {};
  }
  return {spawned->pid, spawned->console};
}

// Everything `stream` has written to `log` so far.
inline std::string TextOf(const std::shared_ptr<ConsoleLog>& log,
                          ConsoleStream stream = ConsoleStream::kStdout) {
  std::string text;
  uint64_t offset = 0;
  for (Result<ConsoleChunk> chunk = log->Read(0, 1 << 20); chunk.ok();
       chunk = log->Read(offset, 1 << 20)) {
    if (chunk->stream == stream) text.append(chunk->bytes.begin(), chunk->bytes.end());
    offset = chunk->offset + chunk->bytes.size();
  }
  return text;
}

}  // namespace shoal::kernel::testing
