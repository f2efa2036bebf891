// shoal-bench-vm: runs one exported function of a module on the Shoal VM and
// prints what it returned, for the benchmark runner (bench/run-vm-bench).
//
//   shoal-bench-vm MODULE.wasm [--export NAME] [--take-dirty-every-ms N]
//
// The module gets an empty Store and no imports. --take-dirty-every-ms runs
// a migration's dirty-page takes beside the call: another thread calls
// StartDirtyTracking() and then TakeDirtyPages() on memory 0 every N ms (0:
// back to back), to measure what tracking costs the guest
// (docs/benchmarks.md, "Dirty tracking"). Output, one "key value" per
// line, the format the native harness and run-node.mjs share:
//   checksum N          the single i32/i64 result as an unsigned decimal
//   load_ms X           LoadModule(): decode, validate, compile
//   instantiate_ms X    Instance::Instantiate()
//   run_ms X            the call itself (what the benchmark table reports)
//   dirty_takes N, dirty_pages N   with --take-dirty-every-ms: takes made
//                       during the call and pages they reported
// Exit status: 0 on success, 2 on a trap or exhausted stack (message on
// stderr, starting with the VM's trap text), 1 on any other error.
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/status.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/thread.h"

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool ReadFile(const char* path, std::vector<uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int Fail(const char* stage, const shoal::Error& error) {
  std::fprintf(stderr, "shoal-bench-vm: %s failed (%s): %s\n", stage,
               std::string(shoal::StatusName(error.status)).c_str(), error.message.c_str());
  return 1;
}

int Usage() {
  std::fprintf(stderr,
               "usage: shoal-bench-vm MODULE.wasm [--export NAME] [--take-dirty-every-ms N]\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = nullptr;
  std::string export_name = "bench_run";
  int take_every_ms = -1;  // No takes.
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--export") == 0 && i + 1 < argc) {
      export_name = argv[++i];
    } else if (std::strcmp(argv[i], "--take-dirty-every-ms") == 0 && i + 1 < argc) {
      take_every_ms = std::atoi(argv[++i]);
    } else if (argv[i][0] != '-' && path == nullptr) {
      path = argv[i];
    } else {
      return Usage();
    }
  }
  if (path == nullptr) return Usage();

  std::vector<uint8_t> bytes;
  if (!ReadFile(path, bytes)) {
    std::fprintf(stderr, "shoal-bench-vm: cannot read %s\n", path);
    return 1;
  }

  auto start = Clock::now();
  auto module = shoal::vm::LoadModule(bytes);
  if (!module.ok()) return Fail("load", module.error());
  double load_ms = MsSince(start);

  shoal::vm::Store store;
  start = Clock::now();
  auto instance = shoal::vm::Instance::Instantiate(store, *module, {});
  if (!instance.ok()) return Fail("instantiate", instance.error());
  double instantiate_ms = MsSince(start);

  auto ext = (*instance)->GetExport(export_name);
  if (!ext || ext->kind != shoal::vm::ExternKind::kFunc) {
    std::fprintf(stderr, "shoal-bench-vm: no exported function named '%s'\n", export_name.c_str());
    return 1;
  }

  // The migration driver's side, when asked for.
  std::atomic<bool> done = false;
  uint64_t takes = 0, pages_taken = 0;
  std::thread taker;
  if (take_every_ms >= 0 && !(*instance)->memories().empty()) {
    shoal::vm::Memory& memory = store.memory((*instance)->memories()[0]);
    memory.StartDirtyTracking();
    taker = std::thread([&] {
      while (!done.load(std::memory_order_relaxed)) {
        pages_taken += memory.TakeDirtyPages().size();
        ++takes;
        if (take_every_ms > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(take_every_ms));
      }
    });
  }

  start = Clock::now();
  auto results = shoal::vm::Invoke(store, ext->addr, {});
  double run_ms = MsSince(start);
  done.store(true, std::memory_order_relaxed);
  if (taker.joinable()) {
    taker.join();
    std::printf("dirty_takes %" PRIu64 "\ndirty_pages %" PRIu64 "\n", takes, pages_taken);
  }
  if (!results.ok()) {
    const shoal::Error& error = results.error();
    if (error.status == shoal::Status::kTrap || error.status == shoal::Status::kExhausted) {
      std::fprintf(stderr, "trap: %s\n", error.message.c_str());
      std::printf("trapped 1\nrun_ms %.3f\n", run_ms);
      return 2;
    }
    return Fail("run", error);
  }

  for (const shoal::vm::Value& v : *results) {
    if (results->size() == 1 && v.type == shoal::vm::ValType::kI64) {
      std::printf("checksum %" PRIu64 "\n", v.i64());
    } else if (results->size() == 1 && v.type == shoal::vm::ValType::kI32) {
      std::printf("checksum %" PRIu32 "\n", v.i32());
    } else {
      // Not a benchmark's result shape; show the raw bits.
      std::printf("result 0x%016" PRIx64 "%016" PRIx64 "\n", v.hi, v.lo);
    }
  }
  std::printf("load_ms %.3f\ninstantiate_ms %.3f\nrun_ms %.3f\n", load_ms, instantiate_ms, run_ms);
  return 0;
}
