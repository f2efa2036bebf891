#include "clusterd/daemon/kernel_process_host.h"

#include <spdlog/spdlog.h>

#include "kernel/proc/process.h"
#include "migrate/image_codec.h"

namespace shoal::clusterd {
namespace {

uint64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ExitInfo ToExitInfo(const kernel::ExitStatus& status) {
  switch (status.reason) {
    case kernel::ExitReason::kReturned:
      return {ExitKind::kReturned, status.code, ""};
    case kernel::ExitReason::kExited:
      return {ExitKind::kExited, status.code, ""};
    case kernel::ExitReason::kTrapped:
      return {ExitKind::kTrapped, status.code, "trap: " + status.trap_message};
    case kernel::ExitReason::kKilled:
      return {ExitKind::kKilled, status.code, "killed"};
    case kernel::ExitReason::kOutOfFuel:
      return {ExitKind::kOutOfFuel, status.code, "out of fuel"};
  }
  return {ExitKind::kTrapped, status.code, "unknown end"};
}

Error NoProcess(uint64_t pid) {
  return MakeError(Status::kNotFound, "no process " + std::to_string(pid));
}

}  // namespace

// Spawns through the host while it lives; Detach() cuts it off.
class KernelProcessHost::HostSpawner final : public kernel::SpawnerOps {
 public:
  explicit HostSpawner(KernelProcessHost* host)
      : SpawnerOps(kernel::ObjectType::kSpawner), host_(host) {}

  void Spawn(kernel::SpawnSpec spec, SpawnDone done) override {
    Result<kernel::HandleEntry> answer = MakeError(Status::kPeerGone, "this node is stopping");
    {
      std::lock_guard lock(mu_);
      if (host_ != nullptr) {
        SpawnSpec host_spec;
        host_spec.module_bytes = std::move(spec.module);
        host_spec.args = std::move(spec.args);
        if (host_spec.args.empty()) host_spec.args.push_back("child");
        Result<kernel::Ref<kernel::ProcessObject>> started =
            host_->Start(std::move(host_spec), std::move(spec.handles));
        if (started.ok()) {
          answer = kernel::HandleEntry{std::move(started).value(),
                                       kernel::DefaultRights(kernel::ObjectType::kProcess)};
        } else {
          answer = std::move(started).error();
        }
      }
    }
    done(std::move(answer));
  }

  void Detach() {
    std::lock_guard lock(mu_);
    host_ = nullptr;
  }

 private:
  std::mutex mu_;
  KernelProcessHost* host_;  // GUARDED_BY(mu_): null once the host is gone.
};

struct KernelProcessHost::Entry {
  explicit Entry(size_t retain) : console(std::make_shared<ConsoleBuffer>(retain)) {}
  std::shared_ptr<ConsoleBuffer> console;
  // Guarded by the host's mu_.
  ProcessInfo info;
  kernel::Ref<kernel::ProcessObject> object;
};

Result<std::unique_ptr<KernelProcessHost>> KernelProcessHost::Create(
    KernelProcessHostOptions options) {
  std::unique_ptr<KernelProcessHost> host(new KernelProcessHost(std::move(options)));
  kernel::KernelOptions kernel_options;
  kernel_options.workers = host->options_.workers;
  kernel_options.allocate_pid = host->options_.allocate_pid;
  KernelProcessHost* self = host.get();
  kernel_options.on_spawn = [self](const kernel::SpawnNotice& notice) {
    self->OnGuestSpawn(notice);
  };
  host->kernel_ = TRY(kernel::Kernel::Create(std::move(kernel_options)));
  host->spawner_ = std::make_shared<HostSpawner>(host.get());
  return host;
}

KernelProcessHost::~KernelProcessHost() {
  if (spawner_) spawner_->Detach();  // Waits for a spawn in progress.
  // Ends what still runs (kKilled); the exit callbacks run during this and
  // need the other members.
  kernel_.reset();
}

std::shared_ptr<KernelProcessHost::Entry> KernelProcessHost::NewEntry(
    uint64_t pid, const std::vector<std::string>& args) const {
  auto entry = std::make_shared<Entry>(options_.console_retain_bytes);
  entry->info.pid = pid;
  entry->info.name = args.empty() ? "" : args.front();
  entry->info.args = args;
  entry->info.started_unix_ms = UnixMs();
  return entry;
}

kernel::Ref<kernel::SpawnerOps> KernelProcessHost::spawner() const { return spawner_; }

VoidResult KernelProcessHost::Spawn(SpawnSpec spec) {
  if (spec.pid == 0) return MakeError(Status::kInvalidArgs, "pid 0 is not a process id");
  TRY(Start(std::move(spec), {}));
  return Ok();
}

Result<kernel::Ref<kernel::ProcessObject>> KernelProcessHost::Start(
    SpawnSpec spec, std::vector<kernel::HandleEntry> handles) {
  uint64_t pid = spec.pid;
  if (pid == 0 && options_.allocate_pid) pid = TRY(options_.allocate_pid());
  if (pid != 0) {
    std::lock_guard lock(mu_);
    if (entries_.count(pid) || !spawning_.insert(pid).second) {
      return MakeError(Status::kAlreadyExists, "pid " + std::to_string(pid) + " is taken");
    }
  }
  std::shared_ptr<Entry> entry = NewEntry(pid, spec.args);
  kernel::SpawnRequest request;
  request.pid = pid;
  request.module_bytes = std::move(spec.module_bytes);
  request.args = std::move(spec.args);
  request.env = std::move(spec.env);
  request.preopens = std::move(spec.preopens);
  request.handles = std::move(handles);
  request.stdout_mirror = ConsoleBuffer::SinkFor(entry->console, ConsoleStream::kStdout);
  request.stderr_mirror = ConsoleBuffer::SinkFor(entry->console, ConsoleStream::kStderr);
  if (spec.fuel != 0) request.fuel_limit = spec.fuel;
  request.page_cap = spec.page_cap;
  // The host keeps the ProcessObject; the kernel need not keep the status.
  request.reaping = kernel::Reaping::kWithHandle;
  Result<kernel::SpawnResult> spawned = kernel_->Spawn(std::move(request));
  if (!spawned.ok()) {
    std::lock_guard lock(mu_);
    spawning_.erase(pid);
    return spawned.error();
  }
  entry->info.pid = spawned->pid;
  kernel::Ref<kernel::ProcessObject> object = spawned->object;
  Track(std::move(entry), std::move(spawned->object));
  return object;
}

void KernelProcessHost::OnGuestSpawn(const kernel::SpawnNotice& notice) {
  if (notice.parent_pid == 0) return;  // Spawn() tracks its own.
  Track(NewEntry(notice.pid, notice.args), notice.object);
}

void KernelProcessHost::Track(std::shared_ptr<Entry> entry,
                              kernel::Ref<kernel::ProcessObject> object) {
  ProcessInfo started;
  {
    std::lock_guard lock(mu_);
    entry->object = object;
    entries_[entry->info.pid] = entry;
    spawning_.erase(entry->info.pid);
    started = entry->info;
  }
  if (observer_) observer_(started);
  // Runs at once if the process has ended already: after the start either way.
  Result<kernel::ObserverToken> token =
      object->ObserveAsync(kernel::Signals::kSignaled, [this, entry](kernel::Signals) {
        OnExited(entry, entry->object->exit_status().value_or(kernel::MakeExitStatus(
                            kernel::ExitReason::kKilled, kernel::kKilledExitCode)));
      });
  if (!token.ok()) {
    // A fresh object has no other observers, so this is a bug; never leave
    // a process that nobody will see end.
    spdlog::error("pid {}: cannot observe its end ({}); killing it", started.pid,
                  token.error().message);
    (void)kernel_->Kill(started.pid);
    OnExited(entry, kernel::MakeExitStatus(kernel::ExitReason::kKilled, kernel::kKilledExitCode));
  }
}

void KernelProcessHost::OnExited(const std::shared_ptr<Entry>& entry,
                                 const kernel::ExitStatus& status) {
  // All output was written before the process published its end.
  entry->console->Close();
  ProcessInfo ended;
  {
    std::lock_guard lock(mu_);
    if (entry->info.exit) return;
    entry->info.exit = ToExitInfo(status);
    entry->info.fuel_used = status.fuel_used;
    entry->info.cpu_ns = status.cpu_ns;
    entry->info.ended_unix_ms = UnixMs();
    ended = entry->info;
    ReapLocked();
  }
  ended_.notify_all();
  if (observer_) observer_(ended);
}

void KernelProcessHost::ReapLocked() {
  size_t ended = 0;
  for (auto& [pid, e] : entries_) ended += !e->info.running();
  for (auto it = entries_.begin(); it != entries_.end() && ended > options_.max_ended_retained;) {
    if (it->second->info.running()) {
      ++it;
      continue;
    }
    it = entries_.erase(it);
    --ended;
  }
}

ProcessInfo KernelProcessHost::InfoLocked(const Entry& entry) const {
  ProcessInfo info = entry.info;
  if (info.running()) {
    if (std::shared_ptr<kernel::Process> process = kernel_->Find(info.pid)) {
      kernel::TaskAccounting acct = process->accounting();
      info.fuel_used = acct.fuel_used;
      info.cpu_ns = acct.cpu_ns;
    }
  }
  return info;
}

std::vector<ProcessInfo> KernelProcessHost::List() const {
  std::lock_guard lock(mu_);
  std::vector<ProcessInfo> out;
  out.reserve(entries_.size());
  for (const auto& [pid, e] : entries_) out.push_back(InfoLocked(*e));
  return out;
}

std::optional<ProcessInfo> KernelProcessHost::Get(uint64_t pid) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return std::nullopt;
  return InfoLocked(*it->second);
}

Result<bool> KernelProcessHost::Kill(uint64_t pid) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end()) return NoProcess(pid);
    if (!it->second->info.running()) return false;
  }
  // kNotFound here: it ended since the check above.
  return kernel_->Kill(pid).ok();
}

Result<ExitInfo> KernelProcessHost::Wait(uint64_t pid, Deadline deadline) {
  std::unique_lock lock(mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return NoProcess(pid);
  std::shared_ptr<Entry> entry = it->second;
  if (!ended_.wait_until(lock, deadline, [&] { return !entry->info.running(); })) {
    return MakeError(Status::kShouldWait, "process " + std::to_string(pid) + " still runs");
  }
  return *entry->info.exit;
}

Result<ConsoleRead> KernelProcessHost::ReadConsole(uint64_t pid, uint64_t offset, size_t max_bytes,
                                                   Deadline deadline) {
  std::shared_ptr<Entry> console_owner;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end()) return NoProcess(pid);
    console_owner = it->second;
  }
  return console_owner->console->Read(offset, max_bytes, deadline);
}

Result<std::vector<uint8_t>> KernelProcessHost::Checkpoint(uint64_t pid, bool stop) {
  std::unique_ptr<kernel::FrozenProcess> frozen = TRY(kernel_->Freeze(pid));
  kernel::ProcessImage& image = frozen->image();
  image.module_sha256 = migrate::HashBytes(image.module_bytes);
  // On error the process thaws (frozen's destructor) and runs on.
  std::vector<uint8_t> bytes = TRY(migrate::EncodeImage(image));
  if (stop) (void)kernel_->Kill(pid);  // Frozen, it ends without running again.
  return bytes;
}

Result<uint64_t> KernelProcessHost::ImagePid(std::span<const uint8_t> image) {
  return TRY(migrate::DecodeImage(image)).pid;
}

Result<uint64_t> KernelProcessHost::Restore(std::span<const uint8_t> bytes, uint64_t pid) {
  kernel::RestoreRequest request;
  request.image = TRY(migrate::DecodeImage(bytes));
  if (pid == 0) pid = request.image.pid;
  request.pid = pid;
  {
    std::lock_guard lock(mu_);
    if (entries_.count(pid) || !spawning_.insert(pid).second) {
      return MakeError(Status::kAlreadyExists, "pid " + std::to_string(pid) + " is taken");
    }
  }
  std::shared_ptr<Entry> entry = NewEntry(pid, request.image.args);
  // The log continues at the offset the process's output had reached; when
  // only one stream wrote, its retained tail sits at its own offsets.
  const kernel::ConsoleImage& out = request.image.stdout_console;
  const kernel::ConsoleImage& err = request.image.stderr_console;
  uint64_t out_end = out.start + out.bytes.size();
  uint64_t err_end = err.start + err.bytes.size();
  if (err_end == 0) {
    entry->console->StartAt(out.start);
    entry->console->Append(ConsoleStream::kStdout, out.bytes);
  } else if (out_end == 0) {
    entry->console->StartAt(err.start);
    entry->console->Append(ConsoleStream::kStderr, err.bytes);
  } else {
    entry->console->StartAt(out_end + err_end);
  }
  request.stdout_mirror = ConsoleBuffer::SinkFor(entry->console, ConsoleStream::kStdout);
  request.stderr_mirror = ConsoleBuffer::SinkFor(entry->console, ConsoleStream::kStderr);
  Result<kernel::SpawnResult> started = [&]() -> Result<kernel::SpawnResult> {
    std::unique_ptr<kernel::PreparedProcess> prepared = TRY(kernel_->Prepare(std::move(request)));
    return kernel_->Start(std::move(prepared), kernel::Reaping::kWithHandle);
  }();
  if (!started.ok()) {
    std::lock_guard lock(mu_);
    spawning_.erase(pid);
    return started.error();
  }
  Track(std::move(entry), std::move(started->object));
  return pid;
}

KernelLoad KernelProcessHost::Load() const {
  kernel::SchedulerStats stats = kernel_->scheduler().Stats();
  KernelLoad load;
  load.workers = stats.workers;
  load.run_queue_length = stats.run_queue_length;
  load.busy_workers = stats.running;
  load.host_calls = kernel_->host_calls();
  load.live_processes = kernel_->live_processes();
  return load;
}

}  // namespace shoal::clusterd
