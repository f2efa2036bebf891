// The interpreter: one loop over internal code (code.h) with all execution
// state in Thread::State, so it can stop at any safepoint and resume later,
// here or, through a snapshot, on another node.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel/vm/code.h"
#include "kernel/vm/thread.h"

namespace shoal::vm {

// Handler addresses of the interpreter loop, indexed by IOp.
using HandlerTable = std::array<const void*, size_t(IOp::kCount)>;
const HandlerTable& InterpreterHandlers();

// One value-stack slot. v128 values take two.
union Slot {
  uint64_t u64;
  uint32_t u32;
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
};

// A suspended caller: where it resumes and what its frame was.
struct Frame {
  const CompiledFunction* fn;
  Instance* inst;
  uint32_t return_pc;  // Index into fn->code.
  uint64_t fp;         // Slot index of the caller's frame base.
};

enum class ThreadPhase : uint8_t {
  kIdle,      // No call in progress.
  kReady,     // Call() prepared a call, or a Run() stopped at a safepoint.
  kFinished,  // Results are in stack[0, result count).
  kTrapped,
  kExited,
};

struct Thread::State {
  State(Store& s, ThreadLimits l) : store(s), limits(l) {}

  Store& store;
  Thread* owner = nullptr;  // The Thread this state belongs to.
  ThreadLimits limits;
  ThreadPhase phase = ThreadPhase::kIdle;

  std::vector<Slot> stack;
  uint64_t sp = 0;  // Slot index of the first free slot.
  std::vector<Frame> frames;

  // The running (or suspended) function. fn is null when the call is a
  // direct call of a host function (`entry`).
  const CompiledFunction* fn = nullptr;
  Instance* inst = nullptr;
  uint32_t pc = 0;
  uint64_t fp = 0;

  FuncAddr entry = 0;
  std::vector<ValType> result_types;

  std::string trap;
  int32_t exit_code = 0;
  uint64_t fuel_used = 0;
  bool host_calls_held = false;  // Thread::HoldHostCalls.
};

// Runs `state` for at most `fuel` units. Requires phase kReady.
RunStatus Interpret(Thread::State& state, uint64_t fuel);

}  // namespace shoal::vm
