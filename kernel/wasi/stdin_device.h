// StdinDevice: a process's stdin as a kernel Device (class "stdin"), so that
// descriptor 0 is a view of a handle like every other descriptor, and the
// handle can be passed on (shoal handle_from_fd).
//
// Reads come from the process's InputSource. Readiness is not tracked:
// kReadable stays set, and a Read with nothing available yet returns
// kShouldWait, so a reader that waits on the handle retries (WASI reads of fd
// 0 park on the source's poll_fd() instead). Writes and controls are
// kNotSupported.
//
// Threading: thread-safe; reads of the source are serialized.
#pragma once

#include <memory>

#include "kernel/base/thread_annotations.h"
#include "kernel/object/device.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::wasi {

class StdinDevice final : public kernel::DeviceOps {
 public:
  static kernel::Ref<StdinDevice> Create(std::shared_ptr<InputSource> source);

  // Every operation answers at once, on the calling thread.
  void DescribeAsync(DescribeDone done) override;
  void ReadAsync(size_t max_bytes, ReadDone done) override;
  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override;
  void ControlAsync(std::span<const uint8_t> request, ControlDone done) override;

  // A WASI read: up to buf.size() bytes, 0 at the end, kAgain when none yet.
  ErrnoOr<size_t> ReadInto(std::span<uint8_t> buf);
  // The host descriptor to poll while ReadInto() returns kAgain, or -1.
  int poll_fd() const { return source_->poll_fd(); }

 private:
  explicit StdinDevice(std::shared_ptr<InputSource> source);

  Mutex mu_;  // Serializes reads of the source; poll_fd() needs no lock.
  const std::shared_ptr<InputSource> source_;
};

}  // namespace shoal::wasi
