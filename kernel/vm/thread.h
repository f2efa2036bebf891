// Thread: one execution of WebAssembly code, as plain, resumable data.
//
// A Thread's whole execution state (value stack, call frames, program
// counters) lives in VM-owned structures; no Wasm call recurses on the host C
// stack. Run(fuel) executes until the fuel is spent, the called function
// returns, a trap, an exit, or a host function that yields; every one of those
// stops is a safepoint from which Run() can resume and at which the state can
// be captured (snapshot.h) and restored on another node.
//
// Fuel: one unit is charged at every function entry and every loop back-edge,
// so a bounded amount of fuel always means a bounded amount of work.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/runtime.h"

namespace shoal::vm {

struct ThreadLimits {
  // Nested calls (Wasm and host) before "call stack exhausted". 20,000 nested
  // Wasm calls must work with the defaults.
  uint32_t max_call_depth = 100'000;
  // Value-stack slots (8 bytes each) before "call stack exhausted". The stack
  // starts small and grows on demand up to this.
  uint64_t max_stack_slots = 16u << 20;
};

enum class RunStatus : uint8_t {
  kFinished,   // The called function returned; results() holds its results.
  kOutOfFuel,  // Fuel ran out at a safepoint; Run() again to continue.
  kYielded,    // A host function yielded; Run() again to retry it.
  kTrapped,    // A trap ended the thread; trap_message() says which.
  kExited,     // A host function ended the thread; exit_code() says how.
};

class Thread {
 public:
  explicit Thread(Store& store, ThreadLimits limits = {});
  ~Thread();
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

  // Prepares a call of `func` with `args` (checked against its type; kInvalidArgs
  // on mismatch). The thread must not be mid-run (see idle()).
  VoidResult Call(FuncAddr func, std::span<const Value> args);

  // Runs for at most `fuel` units (UINT64_MAX: unbounded).
  RunStatus Run(uint64_t fuel);

  // True when no call is in progress (before Call(), or after it finished,
  // trapped or exited).
  bool idle() const;
  // Results of the finished call, typed per the function's result types.
  std::vector<Value> results() const;
  // A message such as "out of bounds memory access at offset 0x1a3 in
  // function 4 ($fib)", valid after kTrapped. Messages start with the spec's
  // trap text ("integer divide by zero", "call stack exhausted", ...).
  const std::string& trap_message() const;
  int32_t exit_code() const;
  // Fuel charged so far, across all Run() calls.
  uint64_t fuel_used() const;
  // While held, a call of a host function yields before the host function
  // runs (Run() returns kYielded at the call, which a later Run() makes
  // again): Wasm code runs on, but nothing it asks of the host happens. A
  // migrated process runs held until its arrival is durable.
  void HoldHostCalls(bool held);
  bool host_calls_held() const;
  Store& store();

  struct State;  // The execution state; defined by the interpreter.
  State& state() { return *state_; }
  const State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// Calls `func` and runs it to completion with unbounded fuel. A trap gives
// Status::kTrap, stack exhaustion Status::kExhausted (message "call stack
// exhausted"), an exit Status::kTrap with message "exit N"; a yield is not
// allowed here and gives Status::kNotSupported.
Result<std::vector<Value>> Invoke(Store& store, FuncAddr func, std::span<const Value> args);

}  // namespace shoal::vm
