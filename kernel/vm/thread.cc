// Thread: the public face of the interpreter's execution state.
#include "kernel/vm/thread.h"

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/interpreter.h"

namespace shoal::vm {

Thread::Thread(Store& store, ThreadLimits limits) : state_(std::make_unique<State>(store, limits)) {
  state_->owner = this;
}

Thread::~Thread() = default;

VoidResult Thread::Call(FuncAddr func, std::span<const Value> args) {
  State& s = *state_;
  if (s.phase == ThreadPhase::kReady) {
    return MakeError(Status::kInvalidArgs, "thread is already running a call");
  }
  if (func >= s.store.func_count()) {
    return MakeError(Status::kInvalidArgs, "no function at address " + std::to_string(func));
  }
  FunctionInstance& f = s.store.func(func);
  if (args.size() != f.type.params.size()) {
    return MakeError(Status::kInvalidArgs, "expected " + std::to_string(f.type.params.size()) +
                                               " arguments, got " + std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != f.type.params[i]) {
      return MakeError(Status::kInvalidArgs, "argument " + std::to_string(i) + " should be " +
                                                 std::string(ValTypeName(f.type.params[i])) +
                                                 ", got " + std::string(ValTypeName(args[i].type)));
    }
  }
  s.frames.clear();
  s.entry = func;
  s.result_types = f.type.results;
  s.trap.clear();
  s.exit_code = 0;
  s.fp = 0;
  s.pc = 0;
  const uint64_t height = f.instance ? f.instance->compiled().function(f.func_index).max_height : 0;
  uint64_t arg_slots = 0, result_slots = 0;
  for (ValType t : f.type.params) arg_slots += SlotCount(t);
  for (ValType t : f.type.results) result_slots += SlotCount(t);
  const uint64_t needed = std::max<uint64_t>({height, arg_slots, result_slots}) + 1;
  if (s.stack.size() < std::max<uint64_t>(needed, 1024)) {
    s.stack.resize(std::max<uint64_t>(needed, 1024));
  }
  s.sp = 0;
  for (const Value& arg : args) {
    s.stack[s.sp++].u64 = arg.lo;
    if (arg.type == ValType::kV128) s.stack[s.sp++].u64 = arg.hi;
  }
  if (f.instance == nullptr) {
    s.fn = nullptr;
    s.inst = nullptr;
  } else {
    const CompiledFunction& cf = f.instance->compiled().function(f.func_index);
    for (uint32_t i = 0; i < cf.local_slots; ++i) s.stack[s.sp++].u64 = 0;
    s.fn = &cf;
    s.inst = f.instance;
  }
  s.phase = ThreadPhase::kReady;
  return Ok();
}

RunStatus Thread::Run(uint64_t fuel) {
  State& s = *state_;
  if (s.phase != ThreadPhase::kReady) {
    s.trap = "Run() without a call in progress";
    return RunStatus::kTrapped;
  }
  if (s.fn != nullptr) return Interpret(s, fuel);

  // A direct call of a host function.
  if (s.host_calls_held) return RunStatus::kYielded;
  FunctionInstance& f = s.store.func(s.entry);
  std::vector<Value> args;
  for (size_t i = 0, slot = 0; i < f.type.params.size(); slot += SlotCount(f.type.params[i]), ++i) {
    Value v{f.type.params[i], s.stack[slot].u64, 0};
    if (v.type == ValType::kV128) v.hi = s.stack[slot + 1].u64;
    args.push_back(v);
  }
  std::vector<Value> results;
  for (ValType t : f.type.results) results.push_back(Value{t, 0, 0});
  HostCall call{*this, nullptr, args, results, {}, 0};
  HostAction action = f.host ? f.host(call) : HostAction::kTrap;
  switch (action) {
    case HostAction::kReturn:
      for (size_t i = 0, slot = 0; i < results.size(); slot += SlotCount(results[i].type), ++i) {
        s.stack[slot].u64 = results[i].lo;
        if (results[i].type == ValType::kV128) s.stack[slot + 1].u64 = results[i].hi;
      }
      s.phase = ThreadPhase::kFinished;
      return RunStatus::kFinished;
    case HostAction::kYield:
      return RunStatus::kYielded;
    case HostAction::kExit:
      s.exit_code = call.exit_code;
      s.phase = ThreadPhase::kExited;
      return RunStatus::kExited;
    case HostAction::kTrap:
      s.trap = call.trap_message.empty() ? "host function trapped" : call.trap_message;
      s.phase = ThreadPhase::kTrapped;
      return RunStatus::kTrapped;
  }
  return RunStatus::kTrapped;
}

bool Thread::idle() const { return state_->phase != ThreadPhase::kReady; }

std::vector<Value> Thread::results() const {
  const State& s = *state_;
  std::vector<Value> out;
  if (s.phase != ThreadPhase::kFinished) return out;
  for (size_t i = 0, slot = 0; i < s.result_types.size();
       slot += SlotCount(s.result_types[i]), ++i) {
    Value v{s.result_types[i], s.stack[slot].u64, 0};
    if (v.type == ValType::kI32 || v.type == ValType::kF32) v.lo &= 0xffffffffu;
    if (v.type == ValType::kV128) v.hi = s.stack[slot + 1].u64;
    out.push_back(v);
  }
  return out;
}

const std::string& Thread::trap_message() const { return state_->trap; }
int32_t Thread::exit_code() const { return state_->exit_code; }
uint64_t Thread::fuel_used() const { return state_->fuel_used; }
void Thread::HoldHostCalls(bool held) { state_->host_calls_held = held; }
bool Thread::host_calls_held() const { return state_->host_calls_held; }
Store& Thread::store() { return state_->store; }

Result<std::vector<Value>> Invoke(Store& store, FuncAddr func, std::span<const Value> args) {
  Thread thread(store);
  TRY(thread.Call(func, args));
  switch (thread.Run(UINT64_MAX)) {
    case RunStatus::kFinished:
      return thread.results();
    case RunStatus::kTrapped: {
      const std::string& msg = thread.trap_message();
      const Status status =
          msg.rfind("call stack exhausted", 0) == 0 ? Status::kExhausted : Status::kTrap;
      return MakeError(status, msg);
    }
    case RunStatus::kExited:
      return MakeError(Status::kTrap, "exit " + std::to_string(thread.exit_code()));
    case RunStatus::kYielded:
    case RunStatus::kOutOfFuel:
      break;
  }
  return MakeError(Status::kNotSupported, "a host function yielded inside Invoke()");
}

}  // namespace shoal::vm
