// PLACEHOLDER until the interpreter lands: keeps every target linkable.
#include "kernel/vm/thread.h"

namespace shoal::vm {

struct Thread::State {
  explicit State(Store& s) : store(s) {}
  Store& store;
  std::string trap = "interpreter not built yet";
};

Thread::Thread(Store& store, ThreadLimits limits) : state_(std::make_unique<State>(store)) {}
Thread::~Thread() = default;
VoidResult Thread::Call(FuncAddr func, std::span<const Value> args) {
  return MakeError(Status::kNotSupported, "interpreter not built yet");
}
RunStatus Thread::Run(uint64_t fuel) { return RunStatus::kTrapped; }
bool Thread::idle() const { return true; }
std::vector<Value> Thread::results() const { return {}; }
const std::string& Thread::trap_message() const { return state_->trap; }
int32_t Thread::exit_code() const { return 0; }
uint64_t Thread::fuel_used() const { return 0; }
Store& Thread::store() { return state_->store; }

Result<std::vector<Value>> Invoke(Store& store, FuncAddr func, std::span<const Value> args) {
  return MakeError(Status::kNotSupported, "interpreter not built yet");
}

}  // namespace shoal::vm
