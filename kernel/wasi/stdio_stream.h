// StdioStream: a process's stdin, stdout or stderr as a FileObject.
#pragma once

#include <memory>

#include "kernel/wasi/console_output.h"
#include "kernel/wasi/file_object.h"
#include "kernel/wasi/stdin_device.h"

namespace shoal::wasi {

// A character-device-like stream: stdin is the WASI face of a StdinDevice,
// stdout and stderr of the process's Console objects (through a
// ConsoleOutput, which also feeds a mirror). Seeking fails with ESPIPE.
class StdioStream : public FileObject {
 public:
  static std::shared_ptr<StdioStream> ForInput(kernel::Ref<StdinDevice> device);
  static std::shared_ptr<StdioStream> ForOutput(std::shared_ptr<ConsoleOutput> output);

  Filetype type() const override { return Filetype::kCharacterDevice; }
  Rights max_rights() const override;
  // Stdio never goes through the PendingCall: stdin waits on poll_fd(),
  // output lands in the Console at once.
  ErrnoOr<size_t> Read(PendingCall& call, std::span<uint8_t> buf) override;
  ErrnoOr<size_t> Write(PendingCall& call, std::span<const uint8_t> buf) override;
  ErrnoOr<FileStat> Stat(PendingCall& call) override;
  int poll_fd() const override { return input_ ? input_->poll_fd() : -1; }
  kernel::Ref<kernel::KernelObject> kernel_object() const override;

 private:
  StdioStream(kernel::Ref<StdinDevice> input, std::shared_ptr<ConsoleOutput> output)
      : input_(std::move(input)), output_(std::move(output)) {}
  kernel::Ref<StdinDevice> input_;         // Null for output streams.
  std::shared_ptr<ConsoleOutput> output_;  // Null for input streams.
};

}  // namespace shoal::wasi
