// ConsoleSink: the OutputSink a process's WASI stdout or stderr writes to. It
// appends to the process's Console object and, when given one, also copies the
// bytes to a mirror sink (`shoal run` mirrors to its own stdout and stderr;
// children inherit their parent's mirrors).
#pragma once

#include <memory>

#include "kernel/object/console.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::kernel {

class ConsoleSink final : public wasi::OutputSink {
 public:
  ConsoleSink(Ref<ConsoleOps> console, std::shared_ptr<wasi::OutputSink> mirror)
      : console_(std::move(console)), mirror_(std::move(mirror)) {}

  // EPIPE once the console is closed; a mirror's error is returned after the
  // console got the bytes.
  wasi::Errno Write(std::span<const uint8_t> bytes) override {
    if (!console_->Write(bytes).ok()) return wasi::Errno::kPipe;
    if (mirror_) return mirror_->Write(bytes);
    return wasi::Errno::kSuccess;
  }

 private:
  Ref<ConsoleOps> console_;
  std::shared_ptr<wasi::OutputSink> mirror_;
};

}  // namespace shoal::kernel
