// Helpers shared by the WASI tests: a temporary directory and a harness
// that calls WASI handlers on plain bytes standing in for linear memory.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kernel/base/temp_dir.h"
#include "kernel/wasi/host_calls.h"

namespace shoal::wasi::testing {

using shoal::testing::TempDir;

// Runs handlers against a 64 KiB byte vector as guest memory.
class CallHarness {
 public:
  explicit CallHarness(WasiConfig config) : memory_(65536, 0) {
    auto process = WasiProcess::Create(std::move(config));
    EXPECT_TRUE(process.ok()) << (process.ok() ? "" : process.error().message);
    if (process.ok()) process_ = std::move(process).value();
  }

  WasiProcess& process() { return *process_; }
  std::vector<uint8_t>& memory() { return memory_; }

  // Calls `handler` with i32/i64 arguments given as uint64_t; `i64_mask` bit
  // n set means argument n is an i64. Returns the errno; the action and exit
  // code of the call are kept in last_action() / last_exit_code().
  Errno Call(WasiHandler handler, std::vector<uint64_t> args, uint32_t i64_mask = 0) {
    std::vector<vm::Value> values;
    for (size_t i = 0; i < args.size(); ++i) {
      values.push_back((i64_mask >> i) & 1 ? vm::Value::I64(args[i])
                                           : vm::Value::I32(uint32_t(args[i])));
    }
    WasiCall call(*process_, GuestMemory(std::span<uint8_t>(memory_)), values);
    Errno err = handler(call);
    last_action_ = call.action;
    last_exit_code_ = call.exit_code;
    return err;
  }
  vm::HostAction last_action() const { return last_action_; }
  int32_t last_exit_code() const { return last_exit_code_; }

  void PutBytes(uint32_t addr, const std::string& s) {
    std::memcpy(memory_.data() + addr, s.data(), s.size());
  }
  void PutU32(uint32_t addr, uint32_t v) { PutLe32(memory_.data() + addr, v); }
  void PutU64(uint32_t addr, uint64_t v) { PutLe64(memory_.data() + addr, v); }
  uint32_t U32(uint32_t addr) const { return GetLe32(memory_.data() + addr); }
  uint64_t U64(uint32_t addr) const { return GetLe64(memory_.data() + addr); }
  uint16_t U16(uint32_t addr) const { return GetLe16(memory_.data() + addr); }
  std::string Bytes(uint32_t addr, uint32_t len) const {
    return std::string(reinterpret_cast<const char*>(memory_.data() + addr), len);
  }
  // Writes one iovec {buf, len} at `at`.
  void PutIovec(uint32_t at, uint32_t buf, uint32_t len) {
    PutU32(at, buf);
    PutU32(at + 4, len);
  }

 private:
  std::vector<uint8_t> memory_;
  std::unique_ptr<WasiProcess> process_;
  vm::HostAction last_action_ = vm::HostAction::kReturn;
  int32_t last_exit_code_ = 0;
};

}  // namespace shoal::wasi::testing
