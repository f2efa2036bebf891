// Helpers for the kernel/proc and kernel/abi tests.
#pragma once

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernel/proc/kernel.h"

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

}  // namespace shoal::kernel::testing
