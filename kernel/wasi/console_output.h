// ConsoleOutput: where a process's stdout or stderr bytes go. They are
// appended to the stream's Console object (the object descriptors 1 and 2
// view, which `shoal logs` reads) and, when given one, copied to a mirror
// sink (`shoal run` mirrors to its own stdout and stderr; children inherit
// their parent's mirrors).
#pragma once

#include <memory>

#include "kernel/object/console.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::wasi {

class ConsoleOutput final : public OutputSink {
 public:
  ConsoleOutput(kernel::Ref<kernel::ConsoleOps> console, std::shared_ptr<OutputSink> mirror)
      : console_(std::move(console)), mirror_(std::move(mirror)) {}

  // EPIPE once the console is closed; a mirror's error is returned after the
  // console got the bytes.
  Errno Write(std::span<const uint8_t> bytes) override {
    if (!console_->Write(bytes).ok()) return Errno::kPipe;
    if (mirror_) return mirror_->Write(bytes);
    return Errno::kSuccess;
  }

  const kernel::Ref<kernel::ConsoleOps>& console() const { return console_; }

 private:
  kernel::Ref<kernel::ConsoleOps> console_;
  std::shared_ptr<OutputSink> mirror_;
};

}  // namespace shoal::wasi
