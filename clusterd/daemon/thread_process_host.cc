#include "clusterd/daemon/thread_process_host.h"

#include <atomic>
#include <condition_variable>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/runtime.h"
#include "kernel/wasi/run_main.h"

namespace shoal::clusterd {
namespace {

// Fuel per slice: how often a running process checks for Kill.
constexpr uint64_t kSliceFuel = 2'000'000;

uint64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Everything that can fail before the program runs, checked on the caller's
// thread so Spawn can report it. RunWasiMain repeats this work.
// TODO(sched): the kernel's spawn will load once and return these errors.
VoidResult CheckLoadable(const SpawnSpec& spec) {
  wasi::WasiConfig config;
  config.preopens = spec.preopens;
  std::unique_ptr<wasi::WasiProcess> process = TRY(wasi::WasiProcess::Create(std::move(config)));
  std::shared_ptr<const vm::CompiledModule> compiled = TRY(vm::LoadModule(spec.module_bytes));
  vm::Store store;
  TRY(process->LinkImports(store, compiled->module()));
  for (const vm::Export& e : compiled->module().exports) {
    if (e.name == "_start" && e.kind == vm::ExternKind::kFunc) return Ok();
  }
  return MakeError(Status::kLinkError, "the module exports no _start function");
}

ExitInfo ExitFor(const wasi::RunOutcome& outcome) {
  switch (outcome.end) {
    case wasi::RunEnd::kReturned:
      return {ExitKind::kReturned, outcome.exit_code, ""};
    case wasi::RunEnd::kExited:
      return {ExitKind::kExited, outcome.exit_code, ""};
    case wasi::RunEnd::kTrapped:
      return {ExitKind::kTrapped, outcome.exit_code, "trap: " + outcome.trap_message};
    case wasi::RunEnd::kOutOfFuel:
      return {ExitKind::kOutOfFuel, outcome.exit_code, "out of fuel"};
    case wasi::RunEnd::kStopped:
      return {ExitKind::kKilled, outcome.exit_code, "killed"};
  }
  return {ExitKind::kTrapped, wasi::kTrapExitCode, "unknown end"};
}

}  // namespace

struct ThreadProcessHost::Entry {
  explicit Entry(size_t retain) : console(std::make_shared<ConsoleBuffer>(retain)) {}
  std::shared_ptr<ConsoleBuffer> console;
  std::atomic<bool> stop{false};
  std::thread thread;
  // Guarded by the host's mu_.
  ProcessInfo info;
  std::condition_variable ended;  // With the host's mu_.
};

ThreadProcessHost::~ThreadProcessHost() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (auto& [pid, entry] : entries_) {
      entry->stop = true;
      if (entry->thread.joinable()) threads.push_back(std::move(entry->thread));
    }
    for (std::thread& t : finished_threads_) threads.push_back(std::move(t));
  }
  for (std::thread& t : threads) t.join();
}

VoidResult ThreadProcessHost::Spawn(SpawnSpec spec) {
  JoinFinishedThreads();
  TRY(CheckLoadable(spec));
  auto entry = std::make_shared<Entry>(options_.console_retain_bytes);
  entry->info.pid = spec.pid;
  entry->info.name = spec.args.empty() ? "" : spec.args.front();
  entry->info.args = spec.args;
  entry->info.started_unix_ms = UnixMs();
  ProcessInfo started;
  {
    std::lock_guard lock(mu_);
    if (entries_.count(spec.pid)) {
      return MakeError(Status::kAlreadyExists, "pid " + std::to_string(spec.pid) + " is taken");
    }
    entries_[spec.pid] = entry;
    started = entry->info;
    entry->thread = std::thread(&ThreadProcessHost::RunProcess, this, entry, std::move(spec));
  }
  if (observer_) observer_(started);
  return Ok();
}

void ThreadProcessHost::RunProcess(std::shared_ptr<Entry> entry, SpawnSpec spec) {
  wasi::WasiConfig config;
  config.args = std::move(spec.args);
  config.env = std::move(spec.env);
  config.preopens = std::move(spec.preopens);
  config.stdout_sink = ConsoleBuffer::SinkFor(entry->console, ConsoleStream::kStdout);
  config.stderr_sink = ConsoleBuffer::SinkFor(entry->console, ConsoleStream::kStderr);
  wasi::RunOptions options;
  options.slice = kSliceFuel;
  if (spec.fuel != 0) options.fuel = spec.fuel;
  options.should_stop = [&entry] { return entry->stop.load(std::memory_order_relaxed); };

  Result<wasi::RunOutcome> outcome =
      wasi::RunWasiMain(spec.module_bytes, std::move(config), options);
  ExitInfo exit;
  uint64_t fuel = 0;
  if (outcome.ok()) {
    exit = ExitFor(*outcome);
    fuel = outcome->fuel_used;
  } else {
    // Spawn checked loading and linking, so this is instantiation failing.
    exit = {ExitKind::kTrapped, wasi::kTrapExitCode, outcome.error().message};
    std::string line = exit.message + "\n";
    entry->console->Append(ConsoleStream::kStderr,
                           {reinterpret_cast<const uint8_t*>(line.data()), line.size()});
  }
  entry->console->Close();
  ProcessInfo ended;
  {
    std::lock_guard lock(mu_);
    entry->info.exit = exit;
    entry->info.fuel_used = fuel;
    entry->info.ended_unix_ms = UnixMs();
    ended = entry->info;
    entry->ended.notify_all();
    ReapLocked();
  }
  if (observer_) observer_(ended);
}

void ThreadProcessHost::JoinFinishedThreads() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(finished_threads_);
  }
  // Outside mu_: a finishing thread may still call the observer, which may
  // call back into this host.
  for (std::thread& t : threads) t.join();
}

void ThreadProcessHost::ReapLocked() {
  size_t ended = 0;
  for (auto& [pid, e] : entries_) ended += !e->info.running();
  for (auto it = entries_.begin(); it != entries_.end() && ended > options_.max_ended_retained;) {
    if (it->second->info.running()) {
      ++it;
      continue;
    }
    // Its thread may be this one, finishing: join it later, not here.
    if (it->second->thread.joinable()) finished_threads_.push_back(std::move(it->second->thread));
    it = entries_.erase(it);
    --ended;
  }
}

std::shared_ptr<ThreadProcessHost::Entry> ThreadProcessHost::Find(uint64_t pid) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(pid);
  return it == entries_.end() ? nullptr : it->second;
}

std::vector<ProcessInfo> ThreadProcessHost::List() const {
  std::lock_guard lock(mu_);
  std::vector<ProcessInfo> out;
  for (const auto& [pid, e] : entries_) out.push_back(e->info);
  return out;
}

std::optional<ProcessInfo> ThreadProcessHost::Get(uint64_t pid) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return std::nullopt;
  return it->second->info;
}

Result<bool> ThreadProcessHost::Kill(uint64_t pid) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end())
    return MakeError(Status::kNotFound, "no process " + std::to_string(pid));
  if (!it->second->info.running()) return false;
  it->second->stop = true;
  return true;
}

Result<ExitInfo> ThreadProcessHost::Wait(uint64_t pid, Deadline deadline) {
  std::unique_lock lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end())
    return MakeError(Status::kNotFound, "no process " + std::to_string(pid));
  std::shared_ptr<Entry> entry = it->second;
  if (!entry->ended.wait_until(lock, deadline, [&] { return !entry->info.running(); })) {
    return MakeError(Status::kShouldWait, "process " + std::to_string(pid) + " still runs");
  }
  return *entry->info.exit;
}

Result<ConsoleRead> ThreadProcessHost::ReadConsole(uint64_t pid, uint64_t offset, size_t max_bytes,
                                                   Deadline deadline) {
  std::shared_ptr<Entry> entry = Find(pid);
  if (!entry) return MakeError(Status::kNotFound, "no process " + std::to_string(pid));
  return entry->console->Read(offset, max_bytes, deadline);
}

}  // namespace shoal::clusterd
