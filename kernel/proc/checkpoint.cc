#include "kernel/proc/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "kernel/base/byte_size.h"
#include "kernel/base/clock.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/moved_by_value.h"
#include "kernel/proc/process.h"
#include "kernel/vm/thread.h"
#include "kernel/wasi/file_view.h"
#include "kernel/wasi/host_directory.h"
#include "kernel/wasi/stdio_stream.h"

namespace shoal::kernel {
namespace {

std::string DescribeDescriptor(uint32_t fd, const wasi::Descriptor& d) {
  std::string what = "descriptor " + std::to_string(fd);
  if (!d.preopen_name.empty()) return what + " (the directory preopened as " + d.preopen_name + ")";
  return what + " (a " + std::string(ObjectTypeName(d.object->kernel_object()->type())) + ")";
}

}  // namespace

FrozenProcess::FrozenProcess(std::shared_ptr<Process> process, ProcessImage image)
    : process_(std::move(process)), image_(std::move(image)) {}

FrozenProcess::~FrozenProcess() { Thaw(); }

void FrozenProcess::Thaw() {
  if (process_) std::exchange(process_, nullptr)->Thaw();
}

Result<std::vector<std::unique_ptr<vm::Memory>>> FrozenProcess::TakeMemories() {
  std::vector<std::unique_ptr<vm::Memory>> taken;
  if (!process_) return taken;
  std::span<const vm::MemAddr> memories = process_->instance_->memories();
  // Empty memories of their types take their places: swaps, no copies.
  for (vm::MemAddr addr : memories) {
    vm::MemoryType empty = process_->store_->memory(addr).type();
    empty.limits.min = 0;
    taken.push_back(TRY(vm::Memory::Create(empty)));
  }
  for (size_t i = 0; i < memories.size(); ++i) {
    process_->store_->memory(memories[i]).SwapContents(*taken[i]);
  }
  return taken;
}

void FrozenProcess::Release(Ref<ProcessOps> moved_to) {
  if (process_) std::exchange(process_, nullptr)->Release(std::move(moved_to));
}

PreparedProcess::~PreparedProcess() {
  if (!process_) return;
  Kernel& kernel = process_->kernel();
  MutexLock lock(&kernel.mu_);
  kernel.prepared_.erase(process_->pid());
}

uint64_t PreparedProcess::pid() const { return process_->pid(); }

Result<ProcessImage> Process::Capture(FreezeMemory memory) {
  ProcessImage image;
  image.pid = pid_;
  image.parent_pid = parent_pid_;
  image.args = wasi_->args();
  image.env = wasi_->env();
  image.module = module_bytes_;
  image.page_cap = page_cap_;
  image.fuel_limit = fuel_limit_;
  ProcessInfo usage;
  ReadUsage(usage);
  image.fuel_used = usage.fuel_used;
  image.cpu_ns = usage.cpu_ns;

  const KernelObject* stdio[3];
  for (uint32_t fd = 0; fd < 3; ++fd) stdio[fd] = wasi_->stdio_object(fd)->kernel_object().get();
  std::optional<Error> refusal;
  wasi_->fds().ForEachLive([&](uint32_t fd, const wasi::Descriptor& d) {
    const KernelObject* viewed = d.object->kernel_object().get();
    DescriptorKind kind = DescriptorKind::kStdio;
    uint64_t position = 0;
    bool append = false;
    // Directories and regular files are carried by their handles (left home
    // on the wire); a file's descriptor adds its position and mode.
    if (viewed->type() == ObjectType::kDirectory) {
      kind = DescriptorKind::kDirectory;
    } else if (viewed->type() == ObjectType::kFile && d.object->Position().has_value()) {
      kind = DescriptorKind::kFile;
      position = *d.object->Position();
      append = (d.object->flags() & wasi::kFdflagAppend) != 0;
    } else if (viewed != stdio[0] && viewed != stdio[1] && viewed != stdio[2]) {
      if (!refusal) {
        refusal = MakeError(Status::kNotSupported,
                            DescribeDescriptor(fd, d) + " cannot move to another node yet");
      }
      return;
    }
    image.descriptors.push_back(
        {fd, d.handle, kind, d.rights_base, d.rights_inheriting, d.preopen_name, position, append});
  });
  if (refusal) return *refusal;

  std::vector<HandleRecord> records = handles_.Snapshot();
  std::unordered_map<const KernelObject*, HandleImage> by_value =
      CaptureObjectsByValue(records, MonotonicNow());
  image.terminate_watch = TRY(CaptureTerminateWatch(records));
  for (HandleRecord& record : records) {
    HandleImage handle;
    handle.value = record.value;
    handle.rights = record.entry.rights;
    handle.type = record.entry.object->type();
    const KernelObject* object = record.entry.object.get();
    if (auto value = by_value.find(object); value != by_value.end()) {
      handle = std::move(value->second);
    } else if (object == stdio[0]) {
      handle.origin = HandleOrigin::kStdin;
    } else if (object == stdio[1]) {
      handle.origin = HandleOrigin::kStdout;
    } else if (object == stdio[2]) {
      handle.origin = HandleOrigin::kStderr;
    } else {
      if (std::optional<std::string> why = object->WhyNotMovable()) {
        return MakeError(Status::kNotSupported, "handle " + std::to_string(record.value) + " (a " +
                                                    std::string(ObjectTypeName(handle.type)) +
                                                    ") cannot move yet: " + *why);
      }
      handle.object = std::move(record.entry.object);
    }
    image.handles.push_back(std::move(handle));
  }
  image.startup_handles = startup_handles_;
  image.console = console_log()->Retained();
  if (const std::optional<wasi::PendingPoll>& poll = wasi_->pending_poll()) {
    uint64_t now = MonotonicNow();
    PollImage pending;
    pending.elapsed_ns = now > poll->start_ns ? now - poll->start_ns : 0;
    pending.remaining_ns = poll->wake_ns == UINT64_MAX ? UINT64_MAX
                           : poll->wake_ns > now       ? poll->wake_ns - now
                                                       : 0;
    image.pending_poll = pending;
  }
  image.yield_pending = wasi_->yield_pending();
  image.start_pending = entry_after_start_.has_value();
  image.instance =
      vm::CaptureInstance(*instance_, memory == FreezeMemory::kWhole ? vm::MemoryCapture::kContents
                                                                     : vm::MemoryCapture::kNone);
  if (memory == FreezeMemory::kDelta) image.memories_ahead = TRY(CaptureMemoryDeltas());
  if (memory == FreezeMemory::kLazy) {
    std::vector<MemoryDelta>& sizes = image.memories_ahead.emplace();
    for (vm::MemAddr addr : instance_->memories()) {
      sizes.push_back({store_->memory(addr).size_bytes(), {}, {}});
    }
  }
  image.thread = TRY(vm::CaptureThread(*thread_, *instance_));
  return image;
}

Result<std::optional<TerminateWatchImage>> Process::CaptureTerminateWatch(
    std::span<const HandleRecord> records) {
  Ref<PortOps> port;
  TerminateWatchImage watch;
  {
    MutexLock lock(&terminate_mu_);
    port = terminate_port_.lock();
    watch.key = terminate_key_;
  }
  if (port == nullptr) return std::optional<TerminateWatchImage>();
  for (const HandleRecord& r : records) {
    if (r.entry.object == port) {
      watch.port = r.value;
      return std::optional<TerminateWatchImage>(watch);
    }
  }
  return MakeError(Status::kNotSupported,
                   "the port it watches for terminate requests (process_watch_terminate) has "
                   "no handle of its own any more, so it cannot move");
}

Result<std::vector<MemoryDelta>> Process::CaptureMemoryDeltas() {
  std::shared_ptr<MemoryRounds::Shared> rounds;
  {
    MutexLock lock(&freeze_mu_);
    rounds = rounds_;
  }
  if (!rounds) {
    return MakeError(Status::kInvalidArgs, "process " + std::to_string(pid_) +
                                               " has no pre-copy under way to take a delta of");
  }
  MutexLock lock(&rounds->mu);  // One taker at a time.
  std::vector<MemoryDelta> deltas;
  for (vm::MemAddr addr : instance_->memories()) {
    vm::Memory& m = store_->memory(addr);
    MemoryDelta& delta = deltas.emplace_back();
    delta.size_bytes = m.size_bytes();
    delta.pages = m.TakeDirtyPages(vm::Memory::Taker::kOwnThread);  // Frozen, on its thread.
    delta.bytes.resize(delta.pages.size() * vm::Memory::kDirtyPageSize);
    for (size_t i = 0; i < delta.pages.size(); ++i) {
      std::memcpy(delta.bytes.data() + i * vm::Memory::kDirtyPageSize,
                  m.data() + uint64_t(delta.pages[i]) * vm::Memory::kDirtyPageSize,
                  vm::Memory::kDirtyPageSize);
    }
  }
  return deltas;
}

MemoryRounds::~MemoryRounds() {
  Throttle(1);
  MutexLock lock(&process_->freeze_mu_);
  if (process_->rounds_ == shared_) process_->rounds_.reset();
}

std::vector<std::vector<uint32_t>> MemoryRounds::Take() {
  MutexLock lock(&shared_->mu);
  std::vector<std::vector<uint32_t>> pages;
  if (shared_->store == nullptr) return pages;
  for (vm::MemAddr addr : shared_->memories) {
    pages.push_back(shared_->store->memory(addr).TakeDirtyPages());
  }
  return pages;
}

bool MemoryRounds::Read(size_t index, const std::function<void(const uint8_t*, uint64_t)>& read) {
  MutexLock lock(&shared_->mu);
  if (shared_->store == nullptr || index >= shared_->memories.size()) return false;
  const vm::Memory& m = shared_->store->memory(shared_->memories[index]);
  read(m.data(), m.size_bytes());
  return true;
}

const std::shared_ptr<const std::vector<uint8_t>>& MemoryRounds::module() const {
  return process_->module_bytes_;
}

void MemoryRounds::Throttle(double share) {
  const double clamped = std::clamp(share, 0.001, 1.0);
  process_->run_share_permille_.store(uint32_t(clamped * 1000 + 0.5), std::memory_order_relaxed);
}

Result<std::unique_ptr<FrozenProcess>> Kernel::Freeze(uint64_t pid, FreezeOptions options) {
  std::shared_ptr<Process> process = Find(pid);
  if (!process) return MakeError(Status::kNotFound, "no process " + std::to_string(pid));
  auto request = std::make_shared<Process::FreezeRequest>();
  request->memory = options.memory;
  TRY(process->RequestFreeze(request));
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  MutexLock lock(&request->mu);
  while (!request->done) {
    if (!request->cv.WaitUntil(request->mu, deadline)) break;
  }
  if (!request->done) {
    request->cancelled = true;
    lock.Unlock();
    process->CancelFreeze(request);
    return MakeError(Status::kShouldWait, "process " + std::to_string(pid) +
                                              " reached no safepoint in time; it runs on");
  }
  Result<ProcessImage> image = std::move(*request->image);
  if (!image.ok()) return image.error();
  auto frozen = std::make_unique<FrozenProcess>(std::move(process), std::move(image).value());
  frozen->stopped_ns_ = request->stopped_ns;
  return frozen;
}

Result<std::unique_ptr<MemoryRounds>> Kernel::StartMemoryRounds(uint64_t pid,
                                                                std::chrono::nanoseconds timeout) {
  std::unique_ptr<FrozenProcess> probe = TRY(Freeze(pid, {timeout, FreezeMemory::kNone}));
  // Frozen: the memories hold still while tracking starts.
  std::shared_ptr<Process> process = Find(pid);
  if (!process) return MakeError(Status::kNotFound, "no process " + std::to_string(pid));
  auto shared = std::make_shared<MemoryRounds::Shared>(process->store_.get());
  std::span<const vm::MemAddr> memories = process->instance_->memories();
  shared->memories.assign(memories.begin(), memories.end());
  for (vm::MemAddr addr : shared->memories) process->store_->memory(addr).StartDirtyTracking();
  {
    MutexLock lock(&process->freeze_mu_);
    if (process->rounds_) {
      return MakeError(Status::kAlreadyExists,
                       "process " + std::to_string(pid) + " is being moved already");
    }
    process->rounds_ = shared;
  }
  return std::unique_ptr<MemoryRounds>(new MemoryRounds(std::move(process), std::move(shared)));
}

namespace {

// Lays each delta over the memory the pre-copy rounds filled.
VoidResult ApplyMemoryDeltas(const std::vector<MemoryDelta>& deltas,
                             const std::vector<std::unique_ptr<vm::Memory>>& memories) {
  if (deltas.size() != memories.size()) {
    return MakeError(Status::kInvalidArgs, "the image has " + std::to_string(deltas.size()) +
                                               " memories, the rounds " +
                                               std::to_string(memories.size()));
  }
  for (size_t i = 0; i < deltas.size(); ++i) {
    const MemoryDelta& delta = deltas[i];
    vm::Memory& m = *memories[i];
    const std::string name = "memory " + std::to_string(i);
    if (delta.size_bytes % vm::kPageSize != 0 || delta.size_bytes < m.size_bytes()) {
      return MakeError(Status::kInvalidArgs, name + " shrank after its rounds");
    }
    const uint64_t grow = (delta.size_bytes - m.size_bytes()) / vm::kPageSize;
    if (grow > 0 && !m.Grow(uint32_t(grow))) {
      return MakeError(Status::kNoMemory,
                       name + " cannot grow to " + FormatByteSize(delta.size_bytes));
    }
    if (delta.bytes.size() != delta.pages.size() * vm::Memory::kDirtyPageSize) {
      return MakeError(Status::kInvalidArgs, name + "'s delta holds the wrong number of bytes");
    }
    for (size_t p = 0; p < delta.pages.size(); ++p) {
      const uint64_t at = uint64_t(delta.pages[p]) * vm::Memory::kDirtyPageSize;
      if (at + vm::Memory::kDirtyPageSize > delta.size_bytes) {
        return MakeError(Status::kInvalidArgs, name + "'s delta writes past its end");
      }
      std::memcpy(m.data() + at, delta.bytes.data() + p * vm::Memory::kDirtyPageSize,
                  vm::Memory::kDirtyPageSize);
    }
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<PreparedProcess>> Kernel::Prepare(RestoreRequest request) {
  ProcessImage& image = request.image;
  uint64_t pid = request.pid != 0 ? request.pid : image.pid;
  if (pid == 0) return MakeError(Status::kInvalidArgs, "the image has no pid");
  if (image.module_bytes().empty()) {
    return MakeError(Status::kInvalidArgs, "the image carries no module");
  }
  {
    MutexLock lock(&mu_);
    if (PidTakenLocked(pid)) {
      return MakeError(Status::kAlreadyExists, "pid " + std::to_string(pid) + " is taken");
    }
    prepared_.insert(pid);
  }
  // From here the pid is held; the PreparedProcess lets go of it, and so
  // does this guard on any error before there is one.
  struct PidHold {
    Kernel* kernel;
    uint64_t pid;
    bool kept = false;
    ~PidHold() {
      if (kept) return;
      MutexLock lock(&kernel->mu_);
      kernel->prepared_.erase(pid);
    }
  } hold{this, pid};

  ProcessSetup setup;
  setup.pid = pid;
  setup.parent_pid = image.parent_pid;
  setup.module_bytes = std::move(image.module);
  setup.wasi.args = image.args;
  setup.wasi.env = image.env;
  setup.wasi.stdin_source = request.stdin_source;
  setup.wasi.install_stdio = false;
  setup.stdout_mirror = request.stdout_mirror;
  setup.stderr_mirror = request.stderr_mirror;
  setup.fuel_limit = image.fuel_limit;
  setup.page_cap = image.page_cap;
  setup.ns = std::move(request.ns);
  setup.console = TRY(ConsoleLog::Resume(image.console, options_.console_retention));
  std::shared_ptr<Process> process = TRY(Build(std::move(setup)));
  wasi::WasiProcess& wasi = *process->wasi_;

  // Handles: the stdio objects are this process's new ones; the rest were
  // received.
  std::unordered_map<HandleValue, Ref<KernelObject>> by_value =
      TRY(RestoreObjectsByValue(image.handles, timers(), MonotonicNow()));
  std::vector<HandleRecord> records;
  for (HandleImage& handle : image.handles) {
    Ref<KernelObject> object;
    switch (handle.origin) {
      case HandleOrigin::kStdin:
      case HandleOrigin::kStdout:
      case HandleOrigin::kStderr:
        object = wasi.stdio_object(uint32_t(handle.origin) - 1)->kernel_object();
        break;
      case HandleOrigin::kObject:
        object = std::move(handle.object);
        break;
      case HandleOrigin::kTimer:
      case HandleOrigin::kPort:
      case HandleOrigin::kChannel:
        object = std::move(by_value[handle.value]);
        break;
    }
    if (object == nullptr || object->type() != handle.type) {
      return MakeError(Status::kInvalidArgs,
                       "handle " + std::to_string(handle.value) + " of the image has no " +
                           std::string(ObjectTypeName(handle.type)) + " object");
    }
    records.push_back({handle.value, {std::move(object), handle.rights}});
  }
  TRY(process->handles_.Restore(std::move(records)));
  process->watches_again_ = TRY(WatchesAgain(image.handles, process->handles_));
  if (image.terminate_watch) {
    Result<Ref<PortOps>> port =
        process->handles_.Get<PortOps>(image.terminate_watch->port, Rights::kNone);
    if (!port.ok()) {
      return MakeError(Status::kInvalidArgs, "the image's terminate watch names handle " +
                                                 std::to_string(image.terminate_watch->port) +
                                                 ", which is no port");
    }
    process->WatchTerminate(*port, image.terminate_watch->key);
  }
  for (const DescriptorImage& d : image.descriptors) {
    Result<HandleEntry> entry = process->handles_.GetEntry(d.handle, Rights::kNone);
    std::shared_ptr<wasi::FileObject> object;
    if (!entry.ok()) {
    } else if (d.kind == DescriptorKind::kDirectory) {
      if (entry->object->type() == ObjectType::kDirectory) {
        object = wasi::HostDirectory::Adopt(std::static_pointer_cast<DirectoryOps>(entry->object),
                                            /*poll_streams=*/true);
      }
    } else if (d.kind == DescriptorKind::kFile) {
      // A view of the File where it was opened (its proxy, after a move),
      // going on from the descriptor's position.
      if (entry->object->type() == ObjectType::kFile) {
        object = wasi::FileView::Create(std::static_pointer_cast<FileOps>(entry->object),
                                        d.append ? wasi::kFdflagAppend : 0, d.position);
      }
    } else {
      for (uint32_t fd = 0; fd < 3; ++fd) {
        if (wasi.stdio_object(fd)->kernel_object() == entry->object) {
          object = wasi.stdio_object(fd);
        }
      }
    }
    wasi::Descriptor descriptor{object, d.rights_base, d.rights_inheriting, d.preopen_name};
    if (object == nullptr || !wasi.fds().Restore(d.fd, d.handle, std::move(descriptor)).ok()) {
      return MakeError(Status::kInvalidArgs,
                       "descriptor " + std::to_string(d.fd) +
                           " of the image does not view a handle of its kind");
    }
  }
  process->startup_handles_ = image.startup_handles;
  if (image.pending_poll) {
    uint64_t now = MonotonicNow();
    wasi::PendingPoll poll;
    poll.start_ns = now - std::min(now, image.pending_poll->elapsed_ns);
    poll.realtime_ns = RealtimeNow() - image.pending_poll->elapsed_ns;
    poll.wake_ns = image.pending_poll->remaining_ns == UINT64_MAX
                       ? UINT64_MAX
                       : now + image.pending_poll->remaining_ns;
    wasi.pending_poll() = poll;
  }
  wasi.set_yield_pending(image.yield_pending);

  std::vector<vm::Memory*> ahead;
  if (image.memories_ahead) {
    TRY(ApplyMemoryDeltas(*image.memories_ahead, request.memories_ahead));
    for (const std::unique_ptr<vm::Memory>& m : request.memories_ahead) ahead.push_back(m.get());
  } else if (!request.memories_ahead.empty()) {
    return MakeError(Status::kInvalidArgs, "memories came ahead of an image that is whole");
  }
  TRY(vm::RestoreInstance(*process->instance_, image.instance, ahead));
  TRY(vm::RestoreThread(*process->thread_, *process->instance_, image.thread));
  if (image.start_pending) {
    std::optional<vm::Extern> start = process->instance_->GetExport("_start");
    if (!start || start->kind != vm::ExternKind::kFunc) {
      return MakeError(Status::kLinkError, "the module exports no _start function");
    }
    process->entry_after_start_ = start->addr;
  }
  process->fuel_base_ = image.fuel_used;
  process->cpu_base_ns_ = image.cpu_ns;
  hold.kept = true;
  return std::unique_ptr<PreparedProcess>(new PreparedProcess(std::move(process)));
}

Result<SpawnResult> Kernel::Start(std::unique_ptr<PreparedProcess> prepared, Reaping reaping,
                                  std::shared_ptr<IoWait> effects_after) {
  std::shared_ptr<Process> process = std::move(prepared->process_);
  if (effects_after != nullptr && !effects_after->done()) {
    // Not running yet: the worker that steps it first sees these.
    process->thread_->HoldHostCalls(true);
    process->effects_after_ = std::move(effects_after);
  }
  SpawnResult result{process->pid(), process->object_, process->console_log()};
  TRY(Launch(process, reaping));
  return result;
}

}  // namespace shoal::kernel
