#include "clusterd/daemon/kernel_process_host.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kernel/abi/link.h"
#include "kernel/proc/process.h"
#include "migrate/image_codec.h"

namespace shoal::clusterd {
namespace {

uint64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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
      MutexLock lock(&mu_);
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
    MutexLock lock(&mu_);
    host_ = nullptr;
  }

 private:
  Mutex mu_;
  KernelProcessHost* host_ GUARDED_BY(mu_);  // Null once the host is gone.
};

struct KernelProcessHost::Entry {
  // The process's console log, kept after its end for ReadConsole. Set
  // before the entry is tracked, then constant.
  std::shared_ptr<kernel::ConsoleLog> console;
  // Guarded by the host's mu_; a comment, as GUARDED_BY cannot name a lock of
  // another object.
  ProcessInfo info;
  kernel::Ref<kernel::ProcessObject> object;
  bool moved = false;  // It left for another node; its end is not ours to report.
};

Result<std::unique_ptr<KernelProcessHost>> KernelProcessHost::Create(
    KernelProcessHostOptions options) {
  std::unique_ptr<KernelProcessHost> host(new KernelProcessHost(std::move(options)));
  kernel::KernelOptions kernel_options;
  kernel_options.link_imports = kernel::abi::LinkProcessImports;
  kernel_options.workers = host->options_.workers;
  kernel_options.console_retention = host->options_.console_retain_bytes;
  kernel_options.allocate_pid = host->options_.allocate_pid;
  KernelProcessHost* self = host.get();
  kernel_options.on_spawn = [self](const kernel::SpawnNotice& notice) {
    self->OnGuestSpawn(notice);
  };
  host->kernel_ = TRY(kernel::Kernel::Create(std::move(kernel_options)));
  host->spawner_ = std::make_shared<HostSpawner>(host.get());
  host->compiler_ = std::make_unique<AheadCompiler>(
      [kernel = host->kernel_.get()](const std::vector<uint8_t>& module) {
        (void)kernel->Compile(module);
      });
  return host;
}

KernelProcessHost::~KernelProcessHost() {
  if (spawner_) spawner_->Detach();  // Waits for a spawn in progress.
  compiler_.reset();                 // After the module in hand.
  // Ends what still runs (kKilled); the exit callbacks run during this and
  // need the other members.
  kernel_.reset();
}

std::shared_ptr<KernelProcessHost::Entry> KernelProcessHost::NewEntry(
    uint64_t pid, const std::vector<std::string>& args) const {
  auto entry = std::make_shared<Entry>();
  entry->info.pid = pid;
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
    MutexLock lock(&mu_);
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
  if (spec.fuel != 0) request.fuel_limit = spec.fuel;
  request.page_cap = spec.page_cap;
  // The host keeps the ProcessObject; the kernel need not keep the status.
  request.reaping = kernel::Reaping::kWithHandle;
  Result<kernel::SpawnResult> spawned = kernel_->Spawn(std::move(request));
  if (!spawned.ok()) {
    MutexLock lock(&mu_);
    spawning_.erase(pid);
    return spawned.error();
  }
  entry->info.pid = spawned->pid;
  entry->console = spawned->console;
  kernel::Ref<kernel::ProcessObject> object = spawned->object;
  Track(std::move(entry), std::move(spawned->object));
  return object;
}

void KernelProcessHost::OnGuestSpawn(const kernel::SpawnNotice& notice) {
  if (notice.parent_pid == 0) return;  // Spawn() tracks its own.
  std::shared_ptr<Entry> entry = NewEntry(notice.pid, notice.args);
  entry->console = notice.console;
  Track(std::move(entry), notice.object);
}

void KernelProcessHost::Track(std::shared_ptr<Entry> entry,
                              kernel::Ref<kernel::ProcessObject> object, bool announce) {
  ProcessInfo started;
  {
    MutexLock lock(&mu_);
    entry->object = object;
    entries_[entry->info.pid] = entry;
    spawning_.erase(entry->info.pid);
    started = entry->info;
  }
  if (observer_ && announce) observer_(started);
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
  ProcessInfo ended;
  {
    MutexLock lock(&mu_);
    if (entry->info.exit || entry->moved) return;
    entry->info.exit = status;
    entry->info.fuel_used = status.fuel_used;
    entry->info.cpu_ns = status.cpu_ns;
    entry->info.ended_unix_ms = UnixMs();
    ended = entry->info;
    ReapLocked();
  }
  ended_.SignalAll();
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
  if (info.running() && entry.object != nullptr) {
    Result<kernel::ProcessInfo> now = entry.object->Info();
    if (now.ok() && now->running()) {
      info.fuel_used = now->fuel_used;
      info.cpu_ns = now->cpu_ns;
      info.memory_bytes = now->memory_bytes;
    }
  }
  return info;
}

std::vector<ProcessInfo> KernelProcessHost::List() const {
  MutexLock lock(&mu_);
  std::vector<ProcessInfo> out;
  out.reserve(entries_.size());
  for (const auto& [pid, e] : entries_) out.push_back(InfoLocked(*e));
  return out;
}

std::vector<uint64_t> KernelProcessHost::Pending() const {
  MutexLock lock(&mu_);
  return std::vector<uint64_t>(spawning_.begin(), spawning_.end());
}

std::optional<ProcessInfo> KernelProcessHost::Get(uint64_t pid) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return std::nullopt;
  return InfoLocked(*it->second);
}

Result<bool> KernelProcessHost::Kill(uint64_t pid) {
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end()) return NoProcess(pid);
    if (!it->second->info.running()) return false;
  }
  // kNotFound here: it ended since the check above.
  return kernel_->Kill(pid).ok();
}

Result<ExitStatus> KernelProcessHost::Wait(uint64_t pid, Deadline deadline) {
  MutexLock lock(&mu_);
  auto it = entries_.find(pid);
  if (it == entries_.end()) return NoProcess(pid);
  std::shared_ptr<Entry> entry = it->second;
  while (entry->info.running()) {
    if (!ended_.WaitUntil(mu_, deadline)) break;
  }
  if (entry->info.running()) {
    return MakeError(Status::kShouldWait, "process " + std::to_string(pid) + " still runs");
  }
  return *entry->info.exit;
}

Result<ConsoleRead> KernelProcessHost::ReadConsole(uint64_t pid, uint64_t offset, size_t max_bytes,
                                                   Deadline deadline) {
  std::shared_ptr<kernel::ConsoleLog> log;
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end()) return NoProcess(pid);
    log = it->second->console;
  }
  ConsoleRead read;
  read.next_offset = offset;
  size_t taken = 0;
  // Waits for the first chunk only; then takes what is there, a chunk per
  // stretch of one stream.
  Result<ConsoleChunk> chunk = log->ReadUntil(offset, max_bytes, deadline);
  while (chunk.ok()) {
    read.next_offset = chunk->offset + chunk->bytes.size();
    taken += chunk->bytes.size();
    read.chunks.push_back(std::move(chunk).value());
    if (taken >= max_bytes) return read;
    chunk = log->Read(read.next_offset, max_bytes - taken);
  }
  switch (chunk.error().status) {
    case Status::kPeerClosed:
      read.ended = true;
      return read;
    case Status::kShouldWait:
      return read;
    default:
      return chunk.error();
  }
}

VoidResult KernelProcessHost::CheckSettled(uint64_t pid) const {
  MutexLock lock(&mu_);
  if (fetching_.count(pid) == 0) return Ok();
  return MakeError(Status::kShouldWait, "process " + std::to_string(pid) +
                                            " is still fetching its memory from the node it "
                                            "left (post-copy); try again once it has it all");
}

PostCopyHooks KernelProcessHost::post_copy_hooks() {
  PostCopyHooks hooks;
  hooks.fetching = [this](uint64_t pid) {
    MutexLock lock(&mu_);
    fetching_.insert(pid);
  };
  hooks.fetched = [this](uint64_t pid) {
    MutexLock lock(&mu_);
    fetching_.erase(pid);
  };
  hooks.lost = [this](uint64_t pid, const std::string& why) {
    (void)kernel_->Abort(pid, why);  // kNotFound: it ended already.
  };
  return hooks;
}

Result<std::vector<uint8_t>> KernelProcessHost::Checkpoint(uint64_t pid, bool stop) {
  TRY(CheckSettled(pid));
  std::unique_ptr<kernel::FrozenProcess> frozen = TRY(kernel_->Freeze(pid));
  kernel::ProcessImage& image = frozen->image();
  image.module_sha256 = migrate::HashBytes(image.module_bytes());
  StampImage(image);
  // On error the process thaws (frozen's destructor) and runs on.
  std::vector<uint8_t> bytes = TRY(migrate::EncodeImage(image));
  if (stop) (void)kernel_->Kill(pid);  // Frozen, it ends without running again.
  return bytes;
}

Result<uint64_t> KernelProcessHost::ImagePid(std::span<const uint8_t> image) {
  return TRY(migrate::DecodeImage(image)).pid;
}

// An arriving process: prepared in the kernel, its entry ready, its pid
// held in spawning_ until it starts or is dropped.
class KernelProcessHost::Arrival final : public IncomingProcess {
 public:
  Arrival(KernelProcessHost* host, std::shared_ptr<Entry> entry,
          std::unique_ptr<kernel::PreparedProcess> prepared, bool announce)
      : host_(host),
        entry_(std::move(entry)),
        prepared_(std::move(prepared)),
        announce_(announce) {}
  ~Arrival() override {
    if (!prepared_) return;
    prepared_.reset();
    MutexLock lock(&host_->mu_);
    host_->spawning_.erase(entry_->info.pid);
  }
  uint64_t pid() const override { return entry_->info.pid; }
  Result<kernel::Ref<kernel::ProcessOps>> Start(
      const std::function<VoidResult()>& durable) override {
    const uint64_t pid = entry_->info.pid;
    auto effects_after = durable ? std::make_shared<IoWait>() : nullptr;
    Result<kernel::SpawnResult> started =
        host_->kernel_->Start(std::move(prepared_), kernel::Reaping::kWithHandle, effects_after);
    if (started.ok()) started_ = host_->kernel_->Find(pid);
    VoidResult made_durable = started.ok() && durable ? durable() : Ok();
    if (!started.ok() || !made_durable.ok()) {
      // Held, it has done nothing anyone could see.
      if (started.ok()) (void)host_->kernel_->Kill(pid);
      MutexLock lock(&host_->mu_);
      host_->spawning_.erase(pid);
      return started.ok() ? made_durable.error() : started.error();
    }
    if (effects_after != nullptr) effects_after->Complete();
    entry_->console = started->console;
    host_->Track(entry_, started->object, announce_);
    return kernel::Ref<kernel::ProcessOps>(started->object);
  }
  MonotonicNs first_step_ns() const override {
    std::shared_ptr<kernel::Process> process = started_.lock();
    return process != nullptr ? process->first_step_ns() : 0;
  }

 private:
  KernelProcessHost* const host_;
  std::shared_ptr<Entry> entry_;
  std::unique_ptr<kernel::PreparedProcess> prepared_;
  std::weak_ptr<kernel::Process> started_;
  const bool announce_;
};

Result<std::unique_ptr<IncomingProcess>> KernelProcessHost::Receive(ArrivingProcess arriving,
                                                                    uint64_t pid, bool migrated) {
  kernel::RestoreRequest request;
  request.image = TRY(migrate::DecodeImage(arriving.image));
  request.memories_ahead = std::move(arriving.memories_ahead);
  if (request.image.module_bytes().empty() && arriving.module != nullptr) {
    // Its hash was checked when it came (or when this node kept it).
    if (arriving.module_sha256 != request.image.module_sha256) {
      return MakeError(Status::kInvalidArgs, "the module sent ahead is not the image's");
    }
    modules_.Add(arriving.module_sha256, arriving.module);
    request.image.module = arriving.module;
  } else if (!request.image.module_bytes().empty()) {
    // The decoder checked the image's module against its hash.
    modules_.Add(request.image.module_sha256, request.image.module);
  }
  std::vector<kernel::HandleEntry>& objects = arriving.objects;
  size_t next = 0;
  for (kernel::HandleImage& handle : request.image.handles) {
    if (handle.origin != kernel::HandleOrigin::kObject) continue;
    if (next == objects.size()) break;
    handle.object = std::move(objects[next++].object);
  }
  if (next != objects.size() ||
      std::any_of(request.image.handles.begin(), request.image.handles.end(), [](const auto& h) {
        return h.origin == kernel::HandleOrigin::kObject && h.object == nullptr;
      })) {
    return MakeError(Status::kInvalidArgs, "the image's live handles and the " +
                                               std::to_string(objects.size()) +
                                               " objects sent with it do not match");
  }
  if (pid == 0) pid = request.image.pid;
  request.pid = pid;
  {
    MutexLock lock(&mu_);
    if (entries_.count(pid) || !spawning_.insert(pid).second) {
      return MakeError(Status::kAlreadyExists, "pid " + std::to_string(pid) + " is taken");
    }
  }
  std::shared_ptr<Entry> entry = NewEntry(pid, request.image.args);
  entry->info.moves = request.image.moves;
  entry->info.moved_from = arriving.from;
  if (request.image.started_unix_ms != 0)
    entry->info.started_unix_ms = request.image.started_unix_ms;
  Result<std::unique_ptr<kernel::PreparedProcess>> prepared = kernel_->Prepare(std::move(request));
  if (!prepared.ok()) {
    MutexLock lock(&mu_);
    spawning_.erase(pid);
    return prepared.error();
  }
  return std::unique_ptr<IncomingProcess>(
      new Arrival(this, std::move(entry), std::move(prepared).value(), /*announce=*/!migrated));
}

Result<uint64_t> KernelProcessHost::Restore(std::span<const uint8_t> bytes, uint64_t pid) {
  ArrivingProcess arriving;
  arriving.image = bytes;
  std::unique_ptr<IncomingProcess> arrival =
      TRY(Receive(std::move(arriving), pid, /*migrated=*/false));
  TRY(arrival->Start());
  return arrival->pid();
}

// A process frozen on its way out.
class KernelProcessHost::Leaving final : public Departure {
 public:
  Leaving(KernelProcessHost* host, std::unique_ptr<kernel::FrozenProcess> frozen,
          std::vector<uint8_t> image, std::vector<uint64_t> memory_sizes)
      : host_(host),
        frozen_(std::move(frozen)),
        image_(std::make_shared<const std::vector<uint8_t>>(std::move(image))),
        memory_sizes_(std::move(memory_sizes)) {}
  std::shared_ptr<const std::vector<uint8_t>> image() const override { return image_; }
  std::vector<uint64_t> memory_sizes() const override { return memory_sizes_; }
  MonotonicNs stopped_ns() const override { return frozen_->stopped_ns(); }
  Result<std::vector<std::unique_ptr<vm::Memory>>> TakeMemories() override {
    return frozen_->TakeMemories();
  }
  std::vector<kernel::HandleEntry> objects() const override {
    std::vector<kernel::HandleEntry> out;
    for (const kernel::HandleImage& h : frozen_->image().handles) {
      if (h.origin == kernel::HandleOrigin::kObject) out.push_back({h.object, h.rights});
    }
    return out;
  }
  void Commit(kernel::Ref<kernel::ProcessOps> moved_to, const std::string& node) override {
    uint64_t pid = frozen_->pid();
    std::shared_ptr<Entry> entry;
    {
      MutexLock lock(&host_->mu_);
      auto it = host_->entries_.find(pid);
      if (it != host_->entries_.end()) {
        entry = it->second;
        entry->moved = true;  // Its end is the destination's to report.
        host_->entries_.erase(it);
      }
    }
    frozen_->Release(std::move(moved_to));
    spdlog::info("pid {} moved to node {}", pid, node);
  }

 private:
  KernelProcessHost* const host_;
  std::unique_ptr<kernel::FrozenProcess> frozen_;  // Thaws when dropped before Commit.
  std::shared_ptr<const std::vector<uint8_t>> image_;
  const std::vector<uint64_t> memory_sizes_;
};

void KernelProcessHost::StampImage(kernel::ProcessImage& image) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(image.pid);
  if (it == entries_.end()) return;
  image.moves = it->second->info.moves;
  image.started_unix_ms = it->second->info.started_unix_ms;
}

Result<std::unique_ptr<kernel::MemoryRounds>> KernelProcessHost::StartMemoryRounds(uint64_t pid) {
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end() || !it->second->info.running()) return NoProcess(pid);
  }
  TRY(CheckSettled(pid));
  return kernel_->StartMemoryRounds(pid);
}

Result<std::unique_ptr<KernelProcessHost::Departure>> KernelProcessHost::Depart(
    uint64_t pid, kernel::FreezeMemory memory, const kernel::Sha256* module_sha256) {
  {
    MutexLock lock(&mu_);
    auto it = entries_.find(pid);
    if (it == entries_.end() || !it->second->info.running()) return NoProcess(pid);
  }
  TRY(CheckSettled(pid));
  std::unique_ptr<kernel::FrozenProcess> frozen =
      TRY(kernel_->Freeze(pid, {std::chrono::seconds(10), memory}));
  kernel::ProcessImage& image = frozen->image();
  image.module_sha256 =
      module_sha256 != nullptr ? *module_sha256 : migrate::HashBytes(image.module_bytes());
  StampImage(image);
  migrate::EncodeOptions options;
  options.allow_live_objects = true;
  options.include_module = memory == kernel::FreezeMemory::kWhole;
  ++image.moves;  // It arrives as moved once more; a thaw drops the image.
  std::vector<uint8_t> bytes = TRY(migrate::EncodeImage(image, options));
  std::vector<uint64_t> memory_sizes;
  for (const std::vector<uint8_t>& whole : image.instance.memories) {
    memory_sizes.push_back(whole.size());
  }
  if (image.memories_ahead) {
    for (const kernel::MemoryDelta& ahead : *image.memories_ahead) {
      memory_sizes.push_back(ahead.size_bytes);
    }
  }
  // The bytes hold them now; the frozen process keeps only its handles.
  std::vector<std::vector<uint8_t>>().swap(image.instance.memories);
  image.memories_ahead.reset();
  image.module.reset();
  return std::unique_ptr<Departure>(
      new Leaving(this, std::move(frozen), std::move(bytes), std::move(memory_sizes)));
}

std::shared_future<void> KernelProcessHost::CompileAhead(
    std::shared_ptr<const std::vector<uint8_t>> module) {
  // A module that does not compile is refused by Receive, with the reason.
  return compiler_->Add(std::move(module));
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
