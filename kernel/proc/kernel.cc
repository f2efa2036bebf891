#include "kernel/proc/kernel.h"

#include <fstream>
#include <iterator>

#include "kernel/base/byte_size.h"
#include "kernel/object/device.h"
#include "kernel/proc/process.h"
#include "kernel/vm/compiled_module.h"
#include "kernel/vm/thread.h"

namespace shoal::kernel {
namespace {

Error PidTaken(uint64_t pid) {
  return MakeError(Status::kAlreadyExists, "pid " + std::to_string(pid) + " is taken");
}

}  // namespace

namespace {

// The node's root namespace as a kernel starts: the basic devices, each one
// object shared by every opener (they keep no per-opener state).
Result<std::shared_ptr<Namespace>> MakeNodeNamespace() {
  constexpr Rights kGrantable =
      Rights::kRead | Rights::kWrite | Rights::kWait | Rights::kDuplicate | Rights::kTransfer;
  std::shared_ptr<Namespace> ns = Namespace::Create();
  const std::pair<const char*, BasicDeviceKind> devices[] = {
      {"/dev/null", BasicDeviceKind::kNull},
      {"/dev/zero", BasicDeviceKind::kZero},
      {"/dev/random", BasicDeviceKind::kRandom},
  };
  for (const auto& [path, kind] : devices) {
    Ref<BasicDevice> device = TRY(BasicDevice::Create(kind));
    TRY(ns->Bind(path, ObjectProvider::Create(std::move(device), kGrantable)));
  }
  return ns;
}

}  // namespace

Result<std::unique_ptr<Kernel>> Kernel::Create(KernelOptions options) {
  if (options.link_imports == nullptr) {
    return MakeError(Status::kInvalidArgs,
                     "KernelOptions.link_imports is not set (abi::LinkProcessImports links "
                     "WASI and the shoal ABI)");
  }
  std::unique_ptr<Kernel> kernel(new Kernel(options));
  kernel->reactor_ = TRY(Reactor::Create());
  kernel->timers_ = std::make_unique<ReactorTimerService>(*kernel->reactor_);
  kernel->file_io_ = std::make_unique<ReactorFileIo>(*kernel->reactor_, options.cached_reads);
  SchedulerOptions sched;
  sched.workers = options.workers;
  sched.fuel_quantum = options.fuel_quantum;
  kernel->scheduler_ = std::make_unique<Scheduler>(sched);
  kernel->root_namespace_ = TRY(MakeNodeNamespace());
  return kernel;
}

Kernel::~Kernel() {
  // Workers first: no Step() or OnFinished() runs after this. Unfinished
  // processes are dropped with their VM state.
  ShutdownReport report = scheduler_->Shutdown();
  reactor_->Shutdown();
  std::unordered_map<uint64_t, std::shared_ptr<Process>> live;
  {
    MutexLock lock(&mu_);
    live.swap(live_);
  }
  for (auto& [pid, process] : live) {
    process->CancelWakeups();
    process->object()->SetExited(MakeExitStatus(ExitReason::kKilled, kKilledExitCode));
  }
  live.clear();
  report.unfinished.clear();
}

Result<std::shared_ptr<const vm::CompiledModule>> Kernel::LoadCached(
    const std::vector<uint8_t>& bytes) {
  std::string key(bytes.begin(), bytes.end());
  {
    MutexLock lock(&mu_);
    auto it = modules_.find(key);
    if (it != modules_.end()) return it->second;
  }
  std::shared_ptr<const vm::CompiledModule> compiled = TRY(vm::LoadModule(bytes));
  MutexLock lock(&mu_);
  if (modules_.size() >= kModuleCacheSize) modules_.clear();
  modules_.emplace(std::move(key), compiled);
  return compiled;
}

VoidResult Kernel::Compile(const std::vector<uint8_t>& module_bytes) {
  TRY(LoadCached(module_bytes));
  return Ok();
}

Result<uint32_t> MemoryCapPages(uint64_t bytes) {
  constexpr uint64_t kMaxBytes = uint64_t(vm::kMaxPages) * vm::kPageSize;
  if (bytes > kMaxBytes) {
    return MakeError(Status::kInvalidArgs, "a memory cap of " + FormatByteSize(bytes) +
                                               " is over wasm32's 4 GiB of linear memory");
  }
  return uint32_t((bytes + vm::kPageSize - 1) / vm::kPageSize);
}

bool Kernel::PidTakenLocked(uint64_t pid) const {
  return live_.count(pid) != 0 || unreaped_.count(pid) != 0 || prepared_.count(pid) != 0;
}

Result<std::shared_ptr<Process>> Kernel::Build(ProcessSetup setup) {
  std::shared_ptr<Process> process(new Process(*this, setup.pid, setup.parent_pid));
  process->object_ = ProcessObject::Create(setup.pid, setup.wasi.args);
  process->object_->Attach(process);
  std::shared_ptr<ConsoleLog> log = setup.console;
  if (log == nullptr) log = TRY(ConsoleLog::Create(options_.console_retention));
  process->stdout_ = TRY(Console::Create(log, ConsoleStream::kStdout));
  process->stderr_ = TRY(Console::Create(log, ConsoleStream::kStderr));
  process->stdout_mirror_ = setup.stdout_mirror;
  process->stderr_mirror_ = setup.stderr_mirror;
  process->fuel_limit_ = setup.fuel_limit;
  process->ns_ = setup.ns != nullptr ? std::move(setup.ns) : root_namespace_->Clone();
  process->module_bytes_ = setup.module_bytes;

  wasi::WasiConfig& config = setup.wasi;
  config.file_io = file_io_.get();
  config.stdout_console = process->stdout_;
  config.stderr_console = process->stderr_;
  config.stdout_sink = setup.stdout_mirror;
  config.stderr_sink = setup.stderr_mirror;
  config.handles = &process->handles_;
  config.host_calls = &host_calls_;
  config.pending_call = &process->pending_call_;
  process->wasi_ = TRY(wasi::WasiProcess::Create(std::move(config)));

  std::shared_ptr<const vm::CompiledModule> compiled = TRY(LoadCached(*setup.module_bytes));
  const vm::Module& module = compiled->module();
  uint32_t cap = setup.page_cap != 0 ? setup.page_cap : options_.default_page_cap;
  if (cap > vm::kMaxPages) {
    return MakeError(Status::kInvalidArgs,
                     "a memory cap of " + std::to_string(cap) + " pages is over wasm32's 4 GiB");
  }
  for (const vm::MemoryType& memory : module.memories) {
    if (memory.limits.min > cap) {
      return MakeError(Status::kNoMemory,
                       "the module needs " +
                           FormatByteSize(uint64_t(memory.limits.min) * vm::kPageSize) +
                           " of initial memory, over its cap of " +
                           FormatByteSize(uint64_t(cap) * vm::kPageSize));
    }
  }
  process->page_cap_ = cap;
  process->store_ = std::make_unique<vm::Store>();
  std::vector<vm::Extern> imports = TRY(options_.link_imports(*process->store_, module, *process));
  // The start function runs as the process's first call, with fuel, so a
  // module whose start never returns cannot hold Spawn() or a worker.
  process->instance_ = TRY(
      vm::Instance::Instantiate(*process->store_, compiled, imports, vm::StartFunction::kDefer));
  for (vm::MemAddr addr : process->instance_->memories()) {
    process->store_->memory(addr).set_page_cap(cap);
  }
  process->thread_ = std::make_unique<vm::Thread>(*process->store_);
  return process;
}

VoidResult Kernel::Launch(const std::shared_ptr<Process>& process, Reaping reaping) {
  uint64_t pid = process->pid();
  {
    MutexLock lock(&mu_);
    prepared_.erase(pid);  // A prepared process holds its pid until now.
    // Checked again: another Spawn may have taken the pid meanwhile.
    if (PidTakenLocked(pid)) return PidTaken(pid);
    live_.emplace(pid, process);
    if (reaping == Reaping::kOnWait) unreaped_.emplace(pid, process->object_);
  }
  if (VoidResult submitted = scheduler_->Submit(process); !submitted.ok()) {
    MutexLock lock(&mu_);
    live_.erase(pid);
    unreaped_.erase(pid);
    return submitted.error();
  }
  return Ok();
}

Result<SpawnResult> Kernel::Spawn(SpawnRequest request) {
  if (request.module_bytes.empty()) {
    std::ifstream file(request.module_path, std::ios::binary);
    if (!file) return MakeError(Status::kNotFound, "cannot read " + request.module_path);
    request.module_bytes.assign(std::istreambuf_iterator<char>(file),
                                std::istreambuf_iterator<char>());
  }
  uint64_t pid = request.pid;
  if (pid == 0 && options_.allocate_pid) pid = TRY(options_.allocate_pid());
  if (pid == 0) {
    MutexLock lock(&mu_);
    pid = next_pid_++;
  }
  {
    MutexLock lock(&mu_);
    if (PidTakenLocked(pid)) return PidTaken(pid);
  }
  std::vector<std::string> notice_args;  // The process may be gone when on_spawn runs.
  if (options_.on_spawn) notice_args = request.args;

  ProcessSetup setup;
  setup.pid = pid;
  setup.parent_pid = request.parent_pid;
  setup.module_bytes =
      std::make_shared<const std::vector<uint8_t>>(std::move(request.module_bytes));
  setup.wasi.args = std::move(request.args);
  setup.wasi.env = std::move(request.env);
  setup.wasi.preopens = std::move(request.preopens);
  setup.wasi.stdin_source = request.stdin_source;
  setup.console = std::move(request.console);
  setup.stdout_mirror = request.stdout_mirror;
  setup.stderr_mirror = request.stderr_mirror;
  setup.fuel_limit = request.fuel_limit;
  setup.page_cap = request.page_cap;
  setup.ns = std::move(request.ns);
  std::shared_ptr<Process> process = TRY(Build(std::move(setup)));

  std::optional<vm::Extern> start = process->instance_->GetExport("_start");
  if (!start || start->kind != vm::ExternKind::kFunc) {
    return MakeError(Status::kLinkError, "the module exports no _start function");
  }
  if (std::optional<vm::FuncAddr> module_start = process->instance_->start_function()) {
    TRY(process->thread_->Call(*module_start, {}));
    process->entry_after_start_ = start->addr;
  } else {
    TRY(process->thread_->Call(start->addr, {}));
  }

  // Startup handles last: on any error above they are simply dropped.
  if (!request.handles.empty()) {
    HandleTable::Reservation room = TRY(process->handles_.Reserve(request.handles.size()));
    process->startup_handles_ =
        process->handles_.Install(std::move(room), std::move(request.handles));
  }

  SpawnResult result{pid, process->object_, process->console_log()};
  TRY(Launch(process, request.reaping));
  if (options_.on_spawn) {
    options_.on_spawn(SpawnNotice{pid, request.parent_pid, std::move(notice_args), result.object,
                                  result.console});
  }
  return result;
}

void Kernel::OnProcessExit(uint64_t pid, const Process* process) {
  MutexLock lock(&mu_);
  auto it = live_.find(pid);
  if (it != live_.end() && it->second.get() == process) live_.erase(it);
}

void Kernel::OnProcessMoved(uint64_t pid, const Process* process) {
  MutexLock lock(&mu_);
  auto it = live_.find(pid);
  if (it == live_.end() || it->second.get() != process) return;
  auto unreaped = unreaped_.find(pid);
  if (unreaped != unreaped_.end() && unreaped->second == it->second->object()) {
    unreaped_.erase(unreaped);
  }
  live_.erase(it);
}

Result<ExitStatus> Kernel::Wait(uint64_t pid, std::chrono::nanoseconds timeout) {
  Ref<ProcessObject> object;
  {
    MutexLock lock(&mu_);
    auto it = unreaped_.find(pid);
    if (it == unreaped_.end()) return MakeError(Status::kNotFound, "no such process to wait for");
    object = it->second;
  }
  std::optional<ExitStatus> status = object->WaitExited(timeout);
  if (!status) return MakeError(Status::kShouldWait, "the process is still running");
  MutexLock lock(&mu_);
  unreaped_.erase(pid);
  return *status;
}

std::shared_ptr<Process> Kernel::Find(uint64_t pid) const {
  MutexLock lock(&mu_);
  auto it = live_.find(pid);
  return it == live_.end() ? nullptr : it->second;
}

size_t Kernel::live_processes() const {
  MutexLock lock(&mu_);
  return live_.size();
}

VoidResult Kernel::Terminate(uint64_t pid) {
  std::shared_ptr<Process> process = Find(pid);
  if (!process) return MakeError(Status::kNotFound, "no such process");
  process->Terminate();
  return {};
}

VoidResult Kernel::Kill(uint64_t pid) {
  std::shared_ptr<Process> process = Find(pid);
  if (!process) return MakeError(Status::kNotFound, "no such process");
  scheduler_->RequestKill(*process);
  return {};
}

VoidResult Kernel::Abort(uint64_t pid, std::string message) {
  std::shared_ptr<Process> process = Find(pid);
  if (!process) return MakeError(Status::kNotFound, "no such process");
  {
    MutexLock lock(&process->freeze_mu_);
    if (!process->abort_message_) process->abort_message_ = std::move(message);
  }
  scheduler_->RequestKill(*process);
  return {};
}

}  // namespace shoal::kernel
