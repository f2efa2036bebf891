#include "kernel/wasi/wasi_process.h"

#include <time.h>

#include "kernel/wasi/host_directory.h"
#include "kernel/wasi/stdio_stream.h"

namespace shoal::wasi {

WasiProcess::WasiProcess(WasiConfig config)
    : config_(std::move(config)),
      own_handles_(config_.handles ? nullptr : std::make_unique<kernel::HandleTable>()),
      own_pending_call_(config_.pending_call ? nullptr : std::make_unique<PendingCall>()),
      pending_call_(config_.pending_call ? config_.pending_call : own_pending_call_.get()),
      fds_(config_.handles ? *config_.handles : *own_handles_) {}

Result<std::unique_ptr<WasiProcess>> WasiProcess::Create(WasiConfig config) {
  std::unique_ptr<WasiProcess> process(new WasiProcess(std::move(config)));
  WasiConfig& c = process->config_;
  std::shared_ptr<InputSource> in = c.stdin_source;
  if (!in) in = std::make_shared<StringSource>("");
  if (!c.stdout_console || !c.stderr_console) {
    // Both streams write one log, as a process's do.
    std::shared_ptr<kernel::ConsoleLog> log = TRY(kernel::ConsoleLog::Create());
    c.stdout_console = TRY(kernel::Console::Create(log, kernel::ConsoleStream::kStdout));
    c.stderr_console = TRY(kernel::Console::Create(log, kernel::ConsoleStream::kStderr));
  }
  auto out = std::make_shared<ConsoleOutput>(c.stdout_console, c.stdout_sink);
  process->stderr_sink_ = std::make_shared<ConsoleOutput>(c.stderr_console, c.stderr_sink);

  std::shared_ptr<FileObject>* stdio = process->stdio_;
  stdio[0] = StdioStream::ForInput(StdinDevice::Create(in));
  stdio[1] = StdioStream::ForOutput(out);
  stdio[2] = StdioStream::ForOutput(process->stderr_sink_);
  if (!c.install_stdio) return process;
  for (uint32_t fd = 0; fd < 3; ++fd) {
    Rights rights = stdio[fd]->max_rights();
    if (!process->fds_.InsertAt(fd, Descriptor{stdio[fd], rights, 0, ""}).ok()) {
      return MakeError(Status::kNoMemory, "no room in the handle table for stdio");
    }
  }

  for (const Preopen& preopen : c.preopens) {
    if (preopen.guest_path.empty()) {
      return MakeError(Status::kInvalidArgs,
                       "preopen of '" + preopen.host_path + "' has an empty guest path");
    }
    if (preopen.directory.object != nullptr) {
      // An existing directory object: its handle, as given, is what the
      // descriptor views, so its rights bound the descriptor's.
      if (preopen.directory.object->type() != kernel::ObjectType::kDirectory) {
        return MakeError(Status::kWrongType,
                         "preopen '" + preopen.host_path + "' is not a directory");
      }
      auto dir = std::static_pointer_cast<kernel::DirectoryOps>(preopen.directory.object);
      kernel::HandleTable& handles = c.handles ? *c.handles : *process->own_handles_;
      Result<kernel::HandleValue> handle = handles.Add(dir, preopen.directory.rights);
      Descriptor d{HostDirectory::Adopt(dir, c.file_io != nullptr), kDirectoryRights,
                   kDirectoryRights | kFileRights, preopen.guest_path};
      if (!handle.ok() || !process->fds_.Adopt(*handle, std::move(d)).ok()) {
        return MakeError(Status::kNoMemory, "too many preopened directories");
      }
      continue;
    }
    auto dir = HostDirectory::OpenHost(preopen.host_path, c.file_io);
    if (!dir.ok()) {
      Status status = dir.error() == Errno::kNoent ? Status::kNotFound : Status::kIoError;
      return MakeError(status, "cannot open directory '" + preopen.host_path +
                                   "': " + ErrnoDescription(dir.error()));
    }
    Descriptor d{std::move(dir).value(), kDirectoryRights, kDirectoryRights | kFileRights,
                 preopen.guest_path};
    if (!process->fds_.Insert(std::move(d)).ok()) {
      return MakeError(Status::kNoMemory, "too many preopened directories");
    }
  }
  return process;
}

}  // namespace shoal::wasi
