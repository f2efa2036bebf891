#include "kernel/proc/checkpoint.h"

#include <string>

#include "kernel/proc/kernel.h"
#include "kernel/proc/process.h"
#include "kernel/vm/thread.h"
#include "kernel/wasi/host_directory.h"
#include "kernel/wasi/stdio_stream.h"

namespace shoal::kernel {
namespace {

ConsoleImage ImageOf(Console& console) {
  ConsoleChunk retained = console.Retained();
  return {retained.offset, std::move(retained.bytes)};
}

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

void FrozenProcess::Release(Ref<ProcessOps> moved_to) {
  if (process_) std::exchange(process_, nullptr)->Release(std::move(moved_to));
}

PreparedProcess::~PreparedProcess() {
  if (!process_) return;
  Kernel& kernel = process_->kernel();
  std::lock_guard lock(kernel.mu_);
  kernel.prepared_.erase(process_->pid());
}

uint64_t PreparedProcess::pid() const { return process_->pid(); }

Result<ProcessImage> Process::Capture() {
  ProcessImage image;
  image.pid = pid_;
  image.parent_pid = parent_pid_;
  image.args = wasi_->args();
  image.env = wasi_->env();
  image.module_bytes = *module_bytes_;
  image.page_cap = page_cap_;
  image.fuel_limit = fuel_limit_;
  TaskAccounting acct = accounting();
  image.fuel_used = fuel_base_ + acct.fuel_used;
  image.cpu_ns = cpu_base_ns_ + acct.cpu_ns;

  const KernelObject* stdio[3];
  for (uint32_t fd = 0; fd < 3; ++fd) stdio[fd] = wasi_->stdio_object(fd)->kernel_object().get();
  std::optional<Error> refusal;
  wasi_->fds().ForEachLive([&](uint32_t fd, const wasi::Descriptor& d) {
    const KernelObject* viewed = d.object->kernel_object().get();
    DescriptorKind kind = DescriptorKind::kStdio;
    if (viewed->type() == ObjectType::kDirectory) {
      kind = DescriptorKind::kDirectory;  // Its handle carries it (left home on the wire).
    } else if (viewed != stdio[0] && viewed != stdio[1] && viewed != stdio[2]) {
      if (!refusal) {
        refusal = MakeError(Status::kNotSupported,
                            DescribeDescriptor(fd, d) + " cannot move to another node yet");
      }
      return;
    }
    image.descriptors.push_back(
        {fd, d.handle, kind, d.rights_base, d.rights_inheriting, d.preopen_name});
  });
  if (refusal) return *refusal;

  for (HandleRecord& record : handles_.Snapshot()) {
    HandleImage handle{record.value, record.entry.rights, record.entry.object->type(),
                       HandleOrigin::kObject, nullptr};
    const KernelObject* object = record.entry.object.get();
    if (object == stdio[0]) {
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
  image.stdout_console = ImageOf(*stdout_);
  image.stderr_console = ImageOf(*stderr_);
  if (const std::optional<wasi::PendingPoll>& poll = wasi_->pending_poll()) {
    uint64_t now = wasi::MonotonicNowNs();
    PollImage pending;
    pending.elapsed_ns = now > poll->start_ns ? now - poll->start_ns : 0;
    pending.remaining_ns = poll->wake_ns == UINT64_MAX ? UINT64_MAX
                           : poll->wake_ns > now       ? poll->wake_ns - now
                                                       : 0;
    image.pending_poll = pending;
  }
  image.yield_pending = wasi_->yield_pending();
  image.start_pending = entry_after_start_.has_value();
  image.instance = vm::CaptureInstance(*instance_);
  image.thread = TRY(vm::CaptureThread(*thread_, *instance_));
  return image;
}

Result<std::unique_ptr<FrozenProcess>> Kernel::Freeze(uint64_t pid,
                                                      std::chrono::nanoseconds timeout) {
  std::shared_ptr<Process> process = Find(pid);
  if (!process) return MakeError(Status::kNotFound, "no process " + std::to_string(pid));
  auto request = std::make_shared<Process::FreezeRequest>();
  TRY(process->RequestFreeze(request));
  std::unique_lock lock(request->mu);
  if (!request->cv.wait_for(lock, timeout, [&] { return request->done; })) {
    request->cancelled = true;
    lock.unlock();
    process->CancelFreeze(request);
    return MakeError(Status::kShouldWait, "process " + std::to_string(pid) +
                                              " reached no safepoint in time; it runs on");
  }
  Result<ProcessImage> image = std::move(*request->image);
  if (!image.ok()) return image.error();
  return std::make_unique<FrozenProcess>(std::move(process), std::move(image).value());
}

Result<std::unique_ptr<PreparedProcess>> Kernel::Prepare(RestoreRequest request) {
  ProcessImage& image = request.image;
  uint64_t pid = request.pid != 0 ? request.pid : image.pid;
  if (pid == 0) return MakeError(Status::kInvalidArgs, "the image has no pid");
  if (image.module_bytes.empty()) {
    return MakeError(Status::kInvalidArgs, "the image carries no module");
  }
  {
    std::lock_guard lock(mu_);
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
      std::lock_guard lock(kernel->mu_);
      kernel->prepared_.erase(pid);
    }
  } hold{this, pid};

  ProcessSetup setup;
  setup.pid = pid;
  setup.parent_pid = image.parent_pid;
  setup.module_bytes = std::make_shared<const std::vector<uint8_t>>(std::move(image.module_bytes));
  setup.wasi.args = image.args;
  setup.wasi.env = image.env;
  setup.wasi.stdin_source = request.stdin_source;
  setup.wasi.install_stdio = false;
  setup.stdout_mirror = request.stdout_mirror;
  setup.stderr_mirror = request.stderr_mirror;
  setup.fuel_limit = image.fuel_limit;
  setup.page_cap = image.page_cap;
  setup.ns = std::move(request.ns);
  setup.stdout_console = {image.stdout_console.start, image.stdout_console.start,
                          std::move(image.stdout_console.bytes)};
  setup.stderr_console = {image.stderr_console.start, image.stderr_console.start,
                          std::move(image.stderr_console.bytes)};
  std::shared_ptr<Process> process = TRY(Build(std::move(setup)));
  wasi::WasiProcess& wasi = *process->wasi_;

  // Handles: the stdio objects are this process's new ones; the rest were
  // received.
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
    }
    if (object == nullptr || object->type() != handle.type) {
      return MakeError(Status::kInvalidArgs,
                       "handle " + std::to_string(handle.value) + " of the image has no " +
                           std::string(ObjectTypeName(handle.type)) + " object");
    }
    records.push_back({handle.value, {std::move(object), handle.rights}});
  }
  TRY(process->handles_.Restore(std::move(records)));
  for (const DescriptorImage& d : image.descriptors) {
    Result<HandleEntry> entry = process->handles_.GetEntry(d.handle, Rights::kNone);
    std::shared_ptr<wasi::FileObject> object;
    if (!entry.ok()) {
    } else if (d.kind == DescriptorKind::kDirectory) {
      if (entry->object->type() == ObjectType::kDirectory) {
        object = wasi::HostDirectory::Adopt(std::static_pointer_cast<DirectoryOps>(entry->object),
                                            /*poll_streams=*/true);
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
    uint64_t now = wasi::MonotonicNowNs();
    wasi::PendingPoll poll;
    poll.start_ns = now - std::min(now, image.pending_poll->elapsed_ns);
    poll.realtime_ns = wasi::RealtimeNowNs() - image.pending_poll->elapsed_ns;
    poll.wake_ns = image.pending_poll->remaining_ns == UINT64_MAX
                       ? UINT64_MAX
                       : now + image.pending_poll->remaining_ns;
    wasi.pending_poll() = poll;
  }
  wasi.set_yield_pending(image.yield_pending);

  TRY(vm::RestoreInstance(*process->instance_, image.instance));
  TRY(vm::RestoreThread(*process->thread_, *process->instance_, image.thread));
  if (image.start_pending) {
    std::optional<vm::Extern> start = process->instance_->GetExport("_start");
    if (!start || start->kind != vm::ExternKind::kFunc) {
      return MakeError(Status::kNotFound, "the module exports no _start function");
    }
    process->entry_after_start_ = start->addr;
  }
  process->fuel_base_ = image.fuel_used;
  process->cpu_base_ns_ = image.cpu_ns;
  hold.kept = true;
  return std::unique_ptr<PreparedProcess>(new PreparedProcess(std::move(process)));
}

Result<SpawnResult> Kernel::Start(std::unique_ptr<PreparedProcess> prepared, Reaping reaping) {
  std::shared_ptr<Process> process = std::move(prepared->process_);
  SpawnResult result{process->pid(), process->object_, process->stdout_, process->stderr_};
  TRY(Launch(process, reaping));
  return result;
}

}  // namespace shoal::kernel
